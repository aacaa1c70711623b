import { argumentInvalid } from './errors.ts';

export type AttributeType = 'string' | 'bool' | 'date' | 'int' | 'array';
/** Public attribute name → column and type, per list endpoint. */
export type AttributeMap = Record<string, { column: string; type: AttributeType }>;

export type Filter =
  | { method: 'and' | 'or'; queries: Filter[] }
  | { method: string; column: string; type: AttributeType; values: unknown[] };

export interface ListQuery {
  filters: Filter[];
  orders: { column: string; type: AttributeType; desc: boolean }[];
  limit: number;
  offset: number;
  cursor: { direction: 'after' | 'before'; id: string } | null;
}

const FILTERS = new Set([
  'equal', 'notEqual', 'lessThan', 'lessThanEqual', 'greaterThan', 'greaterThanEqual', 'search', 'notSearch',
  'isNull', 'isNotNull', 'between', 'notBetween', 'startsWith', 'notStartsWith', 'endsWith', 'notEndsWith',
  'contains', 'containsAny', 'containsAll', 'notContains', 'exists', 'notExists',
]);
const NO_VALUE = new Set(['isNull', 'isNotNull', 'exists', 'notExists']);
const ONE_VALUE = new Set(['lessThan', 'lessThanEqual', 'greaterThan', 'greaterThanEqual', 'search', 'notSearch', 'startsWith', 'notStartsWith', 'endsWith', 'notEndsWith']);
const MAX_LIMIT = 5000;

export const COMMON_ATTRIBUTES: AttributeMap = {
  $id: { column: 'id', type: 'string' },
  $createdAt: { column: 'created_at', type: 'date' },
  $updatedAt: { column: 'updated_at', type: 'date' },
  $sequence: { column: 'seq', type: 'int' },
};

const CURSOR_ID_DESCRIPTION =
  "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char";
const invalid = (detail: string) => argumentInvalid('queries', `Invalid query: ${detail}`);

/** Parses the `queries[]` param (JSON strings) into filters, order, page and cursor. */
export function parseQueries(raw: unknown, attributes: AttributeMap, defaultLimit = 25): ListQuery {
  const list = raw === undefined || raw === null ? [] : raw;
  if (!Array.isArray(list) || list.length > 100) throw argumentInvalid('queries', 'Value must a valid array no longer than 100 items');
  const all = { ...COMMON_ATTRIBUTES, ...attributes };
  const out: ListQuery = { filters: [], orders: [], limit: defaultLimit, offset: 0, cursor: null };
  for (const item of list) {
    if (typeof item !== 'string' || item.length > 4096) throw invalid('Query must be a string');
    let q: any;
    try {
      q = JSON.parse(item);
    } catch {
      throw invalid(`Invalid query: ${item}`);
    }
    if (!q || typeof q !== 'object' || typeof q.method !== 'string') throw invalid('Method is required');
    const values = q.values === undefined ? [] : q.values;
    if (!Array.isArray(values)) throw invalid('Values must be an array');
    switch (q.method) {
      case 'limit': {
        const n = values[0];
        if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw invalid(`Invalid limit: Value must be a valid range between 1 and ${MAX_LIMIT.toLocaleString('en-US')}`);
        out.limit = n;
        break;
      }
      case 'offset': {
        const n = values[0];
        if (!Number.isInteger(n) || n < 0 || n > 5000) throw invalid('Invalid offset: Value must be a valid range between 0 and 5,000');
        out.offset = n;
        break;
      }
      case 'cursorAfter':
      case 'cursorBefore': {
        const id = values[0];
        if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/.test(id)) throw invalid(`Invalid cursor: ${CURSOR_ID_DESCRIPTION}`);
        out.cursor = { direction: q.method === 'cursorAfter' ? 'after' : 'before', id };
        break;
      }
      case 'orderAsc':
      case 'orderDesc': {
        const attr = q.attribute ?? '$sequence';
        const spec = typeof attr === 'string' && Object.hasOwn(all, attr) ? all[attr] : undefined;
        if (!spec) throw invalid(`Attribute not found in schema: ${attr}`);
        out.orders.push({ column: spec.column, type: spec.type, desc: q.method === 'orderDesc' });
        break;
      }
      case 'orderRandom':
        break;
      case 'select':
        throw invalid('Select queries are not supported');
      default:
        out.filters.push(parseFilter(q, all, 0));
    }
  }
  return out;
}

function parseFilter(q: any, attributes: AttributeMap, depth: number): Filter {
  if (!q || typeof q !== 'object') throw invalid('Method is required');
  if (q.method === 'and' || q.method === 'or') {
    if (depth > 3 || !Array.isArray(q.values) || q.values.length === 0) throw invalid(`${q.method} queries require at least one nested query`);
    return { method: q.method, queries: q.values.map((v: any) => parseFilter(typeof v === 'string' ? safeJson(v) : v, attributes, depth + 1)) };
  }
  if (!q || !FILTERS.has(q.method)) throw invalid(`Invalid query method: ${q?.method}`);
  // Own keys only: `constructor` or `__proto__` must not resolve to Object's members.
  const spec = typeof q.attribute === 'string' && Object.hasOwn(attributes, q.attribute) ? attributes[q.attribute] : undefined;
  if (!spec) throw invalid(`Attribute not found in schema: ${q.attribute}`);
  const values: unknown[] = Array.isArray(q.values) ? q.values : [];
  if (values.length > 500) throw invalid('Query values must be no more than 500 values');
  if (!NO_VALUE.has(q.method) && values.length === 0) throw invalid(`${q.method} queries require at least one value.`);
  if (ONE_VALUE.has(q.method) && values.length !== 1) throw invalid(`${q.method} queries require exactly one value.`);
  if ((q.method === 'between' || q.method === 'notBetween') && values.length !== 2) throw invalid(`${q.method} queries require exactly two values.`);
  return { method: q.method, column: spec.column, type: spec.type, values: values.map((v) => coerce(v, spec.type, q.attribute)) };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw invalid(`Invalid query: ${s}`);
  }
}

function coerce(v: unknown, type: AttributeType, attr: string): unknown {
  switch (type) {
    case 'bool':
      if (typeof v !== 'boolean') throw invalid(`Query value is invalid for attribute "${attr}"`);
      return v ? 1 : 0;
    case 'int':
      if (!Number.isSafeInteger(v)) throw invalid(`Query value is invalid for attribute "${attr}"`);
      return v;
    case 'date': {
      const ms = typeof v === 'string' ? Date.parse(v) : NaN;
      if (Number.isNaN(ms)) throw invalid(`Query value is invalid for attribute "${attr}"`);
      return ms;
    }
    default:
      // PostgreSQL text cannot hold NUL, so such a value could only fail in the database.
      if (typeof v !== 'string' || v.includes('\u0000')) throw invalid(`Query value is invalid for attribute "${attr}"`);
      return v;
  }
}


/** `total=false` turns counting off; GET booleans arrive as strings. */
export function wantsTotal(v: unknown): boolean {
  return !(v === false || v === 'false' || v === '0' || v === 0);
}
