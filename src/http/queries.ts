import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { COMMON_ATTRIBUTES, type AttributeMap, type AttributeType, type Filter, type ListQuery } from '../db/list-query.ts';

export type { AttributeMap, ListQuery };

// Appwrite's value-count rules per filter method (utopia-php/database Validator/Query/Filter.php).
const AT_LEAST_ONE = new Set(['equal', 'contains', 'containsAny', 'containsAll', 'notContains', 'exists', 'notExists']);
const EXACTLY_ONE = new Set([
  'notEqual', 'lessThan', 'lessThanEqual', 'greaterThan', 'greaterThanEqual', 'search', 'notSearch',
  'startsWith', 'notStartsWith', 'endsWith', 'notEndsWith',
]);
const EXACTLY_TWO = new Set(['between', 'notBetween']);
const ANY_COUNT = new Set(['isNull', 'isNotNull']);
const CONTAINS = new Set(['contains', 'containsAny', 'containsAll', 'notContains']);
/** The only methods Appwrite allows on an array attribute. */
const ARRAY_METHODS = new Set([...CONTAINS, 'isNull', 'isNotNull', 'exists', 'notExists']);
const PAGING = new Set(['limit', 'offset', 'cursorAfter', 'cursorBefore', 'orderAsc', 'orderDesc', 'orderRandom', 'select']);
const MAX_VALUES = 500;
/** Tessera's page-size cap (DESIGN: list page size is enforced); Appwrite's validator has none. */
const MAX_LIMIT = 5000;
const MAX_NESTING = 3;


const CURSOR_DESCRIPTION = "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore";
const invalid = (detail: string) => argumentInvalid('queries', `Invalid query: ${detail}`);
const ucfirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A `search` on an attribute without a fulltext index passes the param validator but fails in the database. */
interface ParseState {
  unindexedSearch?: string;
}

/**
 * Parses the `queries[]` param (JSON strings) into filters, order, page and cursor. As Appwrite, every query is
 * validated but the first `limit`, `offset` and cursor win.
 */
export function parseQueries(raw: unknown, attributes: AttributeMap, defaultLimit = 25): ListQuery {
  const list = raw === undefined || raw === null ? [] : raw;
  if (!Array.isArray(list) || list.length > 100) throw argumentInvalid('queries', 'Value must a valid array no longer than 100 items');
  const all = { ...COMMON_ATTRIBUTES, ...attributes };
  const state: ParseState = {};
  const out: ListQuery = { filters: [], orders: [], limit: defaultLimit, offset: 0, cursor: null };
  let limit: number | undefined;
  let offset: number | undefined;
  for (const item of list) {
    if (typeof item !== 'string' || item.length > 4096) throw invalid('Query must be a string of at most 4096 chars');
    const q = decodeQuery(item);
    const values = q.values as unknown[];
    switch (q.method) {
      case 'limit': {
        const n = pageNumber(values[0], 'limit', 1, MAX_LIMIT);
        limit ??= n;
        break;
      }
      case 'offset': {
        const n = pageNumber(values[0], 'offset', 0, Number.MAX_SAFE_INTEGER);
        offset ??= n;
        break;
      }
      case 'cursorAfter':
      case 'cursorBefore': {
        const id = values[0];
        if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/.test(id)) throw invalid(`Invalid cursor: ${CURSOR_DESCRIPTION}`);
        out.cursor ??= { direction: q.method === 'cursorAfter' ? 'after' : 'before', id };
        break;
      }
      case 'orderAsc':
      case 'orderDesc': {
        const attr = q.attribute as string;
        if (!Object.hasOwn(all, attr)) throw invalid(`Attribute not found in schema: ${attr}`);
        out.orders.push({ attribute: attr, column: all[attr].column, type: all[attr].type, desc: q.method === 'orderDesc' });
        break;
      }
      case 'orderRandom':
        break;
      case 'select':
        // Appwrite's list validators have no select validator, so the method itself is refused.
        throw argumentInvalid('queries', 'Invalid query method: select');
      default:
        out.filters.push(parseFilter(q, all, 0, state));
    }
  }
  out.limit = limit ?? defaultLimit;
  out.offset = offset ?? 0;
  // Param validation (above) comes first; the fulltext check is the database's, so a different error type.
  if (state.unindexedSearch !== undefined) {
    throw new AppwriteError('general_query_invalid', `Searching by attribute "${state.unindexedSearch}" requires a fulltext index.`);
  }
  return out;
}

/** JSON text → {method, attribute, values}, with Appwrite's parse errors (Query::parse / parseQuery). */
function decodeQuery(text: string): { method: string; attribute: string; values: unknown[] } {
  let q: unknown;
  try {
    q = JSON.parse(text);
  } catch {
    throw invalid('Invalid query: Syntax error');
  }
  if (!q || typeof q !== 'object') throw invalid(`Invalid query. Must be an array, got ${q === null ? 'NULL' : typeof q}`);
  return shapeOf(q as Record<string, unknown>);
}

function shapeOf(q: Record<string, unknown>): { method: string; attribute: string; values: unknown[] } {
  const method = q.method ?? '';
  const attribute = q.attribute ?? '';
  const values = q.values ?? [];
  if (typeof method !== 'string') throw invalid(`Invalid query method. Must be a string, got ${typeof method}`);
  if (typeof attribute !== 'string') throw invalid(`Invalid query attribute. Must be a string, got ${typeof attribute}`);
  if (!Array.isArray(values)) throw invalid(`Invalid query values. Must be an array, got ${typeof values}`);
  return { method, attribute, values };
}

/** Appwrite's Numeric + integer Range validators: 10 and "10" pass, 1.5 and "abc" do not. */
function pageNumber(v: unknown, name: 'limit' | 'offset', min: number, max: number): number {
  const isNumeric = typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
  if (!isNumeric) throw invalid(`Invalid ${name}: Value must be a valid number`);
  const n = Number(v);
  const integral = typeof v === 'number' ? Number.isInteger(v) : /^\s*[+-]?\d+\s*$/.test(v as string);
  if (!integral || n < min || n > max) {
    throw invalid(`Invalid ${name}: Value must be a valid range between ${min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')}`);
  }
  return n;
}

function parseFilter(q: { method: string; attribute: string; values: unknown[] }, attributes: AttributeMap, depth: number, state: ParseState): Filter {
  const { method, attribute: attr, values } = q;
  if (method === 'and' || method === 'or') return parseLogical(method, values, attributes, depth, state);
  if (AT_LEAST_ONE.has(method)) {
    if (values.length === 0 || (Array.isArray(values[0]) && values[0].length === 0)) throw invalid(`${ucfirst(method)} queries require at least one value.`);
  } else if (EXACTLY_ONE.has(method)) {
    if (values.length !== 1) throw invalid(`${ucfirst(method)} queries require exactly one value.`);
  } else if (EXACTLY_TWO.has(method)) {
    if (values.length !== 2) throw invalid(`${ucfirst(method)} queries require exactly two values.`);
  } else if (!ANY_COUNT.has(method)) {
    throw invalid(`Invalid query method: ${method}`);
  }
  // Own keys only: `constructor` or `__proto__` must not resolve to Object's members.
  const spec = Object.hasOwn(attributes, attr) ? attributes[attr] : undefined;
  if (!spec) throw invalid(`Attribute not found in schema: ${attr}`);
  if (method === 'exists' || method === 'notExists') return { method, column: spec.column, type: spec.type, values: [] };
  if (values.length > MAX_VALUES) throw invalid(`Query on attribute has greater than ${MAX_VALUES} values: ${attr}`);
  const coerced = values.map((v) => coerce(v, spec.type, attr));
  if (spec.type !== 'array' && spec.type !== 'string' && CONTAINS.has(method)) {
    throw invalid(`Cannot query ${method === 'notContains' ? 'notContains' : 'contains'} on attribute "${attr}" because it is not an array, string, or object.`);
  }
  if (spec.type === 'array' && !ARRAY_METHODS.has(method)) throw invalid(`Cannot query ${method} on attribute "${attr}" because it is an array.`);
  if ((method === 'search' || method === 'notSearch') && !spec.fulltext) state.unindexedSearch ??= attr;
  return { method, column: spec.column, type: spec.type, values: coerced };
}

/** `and`/`or`: nested query objects (not strings), filters only, at least two. */
function parseLogical(method: 'and' | 'or', values: unknown[], attributes: AttributeMap, depth: number, state: ParseState): Filter {
  if (depth >= MAX_NESTING) throw invalid(`${ucfirst(method)} queries may be nested at most ${MAX_NESTING} levels deep`);
  const nested = values.map((v) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid(`Invalid query: ${ucfirst(method)} values must be query objects`);
    return shapeOf(v as Record<string, unknown>);
  });
  for (const n of nested) {
    if (n.method !== 'and' && n.method !== 'or' && !AT_LEAST_ONE.has(n.method) && !EXACTLY_ONE.has(n.method) && !EXACTLY_TWO.has(n.method) && !ANY_COUNT.has(n.method)) {
      if (PAGING.has(n.method)) throw invalid(`${ucfirst(method)} queries can only contain filter queries`);
      throw invalid(`Invalid query method: ${n.method}`);
    }
  }
  if (nested.length < 2) throw invalid(`${ucfirst(method)} queries require at least two queries`);
  return { method, queries: nested.map((n) => parseFilter(n, attributes, depth + 1, state)) };
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

/** Lists that take only limit and offset queries (Appwrite's log and policy lists). */
export function pageOnly(queries: string[] | undefined, defaultLimit: number): { limit: number; offset: number } {
  const q = parseQueries(queries, {}, defaultLimit);
  if (q.filters.length || q.orders.length || q.cursor) throw argumentInvalid('queries', 'Invalid query: only limit and offset queries are allowed');
  return { limit: q.limit, offset: q.offset };
}
