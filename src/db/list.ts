import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Executor } from './schema.ts';
import type { Filter, ListQuery } from './list-query.ts';
import { AppwriteError } from '../errors/errors.ts';

const TOTAL_CAP = 5000;
/** How Appwrite names each listed item in its cursor-not-found message. */
const ITEM_NAME: Record<ListOptions['table'], string> = { users: 'User', sessions: 'Session', keys: 'Key', platforms: 'Platform', targets: 'Target', teams_listed: 'Team', memberships: 'Membership', identities: 'Identity', webhooks: 'Webhook' };

export interface ListOptions {
  table: 'users' | 'sessions' | 'keys' | 'platforms' | 'targets' | 'teams_listed' | 'memberships' | 'identities' | 'webhooks';
  projectId: string;
  query: ListQuery;
  /** Free-text `search` param, matched word by word against the table's `search` column. */
  search?: string;
  /** Extra scoping, e.g. sessions of one user. */
  where?: Record<string, string>;
  total: boolean;
  /** A further condition on the listed rows (e.g. only the teams a user belongs to). */
  restrict?: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>;
}

/** Runs an Appwrite list query (filters, order, cursor, page) on one project's rows. */
export async function runList<Row>(db: Executor, o: ListOptions): Promise<{ rows: Row[]; total: number }> {
  const base = () => {
    let q = (db as any).selectFrom(o.table).where('project_id', '=', o.projectId);
    for (const [k, v] of Object.entries(o.where ?? {})) q = q.where(k, '=', v);
    if (o.restrict) q = q.where(o.restrict);
    for (const f of o.query.filters) q = q.where((eb: ExpressionBuilder<any, any>) => compileFilter(eb, f));
    const words = searchWords(o.search);
    for (const word of words) q = q.where(sql`lower(search)`, 'like', `%${escapeLike(word)}%`);
    // A search of only blanks has no term to match; Appwrite's fulltext query then matches nothing.
    if (o.search && words.length === 0) q = q.where(sql<SqlBool>`1 = 0`);
    return q;
  };

  const orders = [...o.query.orders];
  if (!orders.some((x) => x.column === 'seq')) {
    // Appwrite's tie-break follows a leading $createdAt/$updatedAt order's direction, else ascending.
    const lead = orders[0];
    const follows = lead && (lead.attribute === '$createdAt' || lead.attribute === '$updatedAt');
    orders.push({ attribute: '$sequence', column: 'seq', type: 'int', desc: follows ? lead.desc : false });
  }
  const reverse = o.query.cursor?.direction === 'before';
  const effective = orders.map((x) => ({ ...x, desc: reverse ? !x.desc : x.desc }));

  let q = base();
  if (o.query.cursor) {
    const cursorRow = await (db as any)
      .selectFrom(o.table)
      .selectAll()
      .where('project_id', '=', o.projectId)
      .where('id', '=', o.query.cursor.id)
      .executeTakeFirst();
    if (!cursorRow) throw new AppwriteError('general_cursor_not_found', `${ITEM_NAME[o.table]} '${o.query.cursor.id}' for the 'cursor' value not found.`);
    for (const x of effective) {
      if (cursorRow[x.column] === null || cursorRow[x.column] === undefined) {
        throw new AppwriteError(
          'database_query_order_null',
          `The order attribute '${x.attribute}' had a null value. Cursor pagination requires all documents order attribute values are non-null.`,
        );
      }
    }
    q = q.where((eb: ExpressionBuilder<any, any>) => afterRow(eb, effective, cursorRow));
  }
  for (const x of effective) q = q.orderBy(x.column, x.desc ? 'desc' : 'asc');
  const rows: Row[] = await q.selectAll().limit(o.query.limit).offset(o.query.offset).execute();
  if (reverse) rows.reverse();

  let total = 0;
  if (o.total) {
    const capped = base().select(sql`1`.as('one')).limit(TOTAL_CAP);
    const r = await (db as any).selectFrom(capped.as('c')).select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirst();
    total = Number(r?.n ?? 0);
  }
  return { rows, total };
}

function afterRow(eb: ExpressionBuilder<any, any>, orders: { column: string; desc: boolean }[], row: any): Expression<SqlBool> {
  const ors: Expression<SqlBool>[] = [];
  for (let i = 0; i < orders.length; i++) {
    const ands: Expression<SqlBool>[] = [];
    for (let j = 0; j < i; j++) ands.push(eb(orders[j].column, '=', row[orders[j].column]));
    ands.push(eb(orders[i].column, orders[i].desc ? '<' : '>', row[orders[i].column]));
    ors.push(eb.and(ands));
  }
  return eb.or(ors);
}

function searchWords(search: string | undefined): string[] {
  return (search ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** Case-insensitive on both databases (SQLite's LIKE ignores ASCII case, PostgreSQL's does not). */
function like(eb: ExpressionBuilder<any, any>, column: string, pattern: string, negate = false): Expression<SqlBool> {
  const p = pattern.toLowerCase();
  return negate
    ? sql<SqlBool>`lower(${eb.ref(column)}) not like ${p} escape '\\'`
    : sql<SqlBool>`lower(${eb.ref(column)}) like ${p} escape '\\'`;
}

function compileFilter(eb: ExpressionBuilder<any, any>, f: Filter): Expression<SqlBool> {
  if (f.method === 'and' || f.method === 'or') {
    const parts = (f as { queries: Filter[] }).queries.map((x) => compileFilter(eb, x));
    return f.method === 'and' ? eb.and(parts) : eb.or(parts);
  }
  const { column, type, values } = f as { column: string; type: string; values: any[] };
  const v = values[0];
  const arrayHas = (x: unknown) => like(eb, column, `%${escapeLike(JSON.stringify(String(x)))}%`);
  switch (f.method) {
    case 'equal':
      return type === 'array' ? eb.or(values.map(arrayHas)) : eb(column, 'in', values);
    case 'notEqual':
      return type === 'array' ? eb.not(eb.or(values.map(arrayHas))) : eb(column, 'not in', values);
    case 'lessThan':
      return eb(column, '<', v);
    case 'lessThanEqual':
      return eb(column, '<=', v);
    case 'greaterThan':
      return eb(column, '>', v);
    case 'greaterThanEqual':
      return eb(column, '>=', v);
    case 'between':
      return eb.and([eb(column, '>=', values[0]), eb(column, '<=', values[1])]);
    case 'notBetween':
      return eb.or([eb(column, '<', values[0]), eb(column, '>', values[1])]);
    case 'isNull':
    case 'notExists':
      return eb(column, 'is', null);
    case 'isNotNull':
    case 'exists':
      return eb(column, 'is not', null);
    case 'startsWith':
      return like(eb, column, `${escapeLike(String(v))}%`);
    case 'notStartsWith':
      return like(eb, column, `${escapeLike(String(v))}%`, true);
    case 'endsWith':
      return like(eb, column, `%${escapeLike(String(v))}`);
    case 'notEndsWith':
      return like(eb, column, `%${escapeLike(String(v))}`, true);
    case 'search':
    case 'notSearch': {
      const words = searchWords(String(v));
      const parts = words.map((w) => sql<SqlBool>`lower(${eb.ref(column)}) like ${`%${escapeLike(w)}%`} escape '\\'`);
      const all = parts.length ? eb.and(parts) : sql<SqlBool>`1 = 1`;
      return f.method === 'search' ? all : eb.not(all);
    }
    case 'contains':
    case 'containsAny':
      return type === 'array' ? eb.or(values.map(arrayHas)) : eb.or(values.map((x) => like(eb, column, `%${escapeLike(String(x))}%`)));
    case 'containsAll':
      return eb.and(values.map(type === 'array' ? arrayHas : (x) => like(eb, column, `%${escapeLike(String(x))}%`)));
    case 'notContains':
      return eb.not(eb.or(values.map(type === 'array' ? arrayHas : (x) => like(eb, column, `%${escapeLike(String(x))}%`))));
    default:
      throw new AppwriteError('general_query_invalid');
  }
}
