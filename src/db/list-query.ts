// A parsed list request (Appwrite's queries[]): what db/list.ts turns into SQL.

export type AttributeType = 'string' | 'bool' | 'date' | 'int' | 'array';
/**
 * Public attribute name → column and type, per list endpoint. `fulltext` marks an attribute backed by a
 * fulltext index; only those accept `search`/`notSearch` (none of Appwrite's auth lists allow one).
 */
export type AttributeMap = Record<string, { column: string; type: AttributeType; fulltext?: boolean }>;

export type Filter =
  | { method: 'and' | 'or'; queries: Filter[] }
  | { method: string; column: string; type: AttributeType; values: unknown[] };

export interface ListOrder {
  attribute: string;
  column: string;
  type: AttributeType;
  desc: boolean;
}

export interface ListQuery {
  filters: Filter[];
  orders: ListOrder[];
  limit: number;
  offset: number;
  cursor: { direction: 'after' | 'before'; id: string } | null;
}

export const COMMON_ATTRIBUTES: AttributeMap = {
  $id: { column: 'id', type: 'string' },
  $createdAt: { column: 'created_at', type: 'date' },
  $updatedAt: { column: 'updated_at', type: 'date' },
  $sequence: { column: 'seq', type: 'int' },
};
