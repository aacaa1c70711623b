import type { Compilable } from 'kysely';
import type { Executor } from './schema.ts';

/** The row type a template's query returns. */
export type TemplateRow<T> = T extends QueryTemplate<any, infer B> ? (B extends Compilable<infer R> ? R : never) : never;

/** Marks where a named value goes while a template is compiled; never part of real input. */
const MARK = '\u0000tessera-template:';

/** Where each parameter of a compiled template comes from: a named value, or a constant of the query. */
type Slot = { name: string } | { constant: unknown };

export interface CompiledTemplate {
  sql: string;
  slots: Slot[];
}

/**
 * A hot query written once with Kysely, for SyncSqlite to compile once. Building and compiling a
 * Kysely query costs more main-thread time than SQLite spends running a small indexed one (about
 * 60 µs of a login's ~500); a template is built with placeholders instead of values, which tells
 * the SQL text and where each value goes, and later runs bind their values into that text.
 *
 * Every value must reach the SQL as a parameter: one used as a literal (sql.lit, a LIMIT) cannot
 * be bound later, and compile() refuses a template whose placeholder is missing from the parameters.
 */
export class QueryTemplate<V extends Record<string, unknown>, B extends Compilable<any>> {
  constructor(
    /** The names of the values, as `build` reads them (for an insert: the row's columns). */
    readonly names: readonly (keyof V & string)[],
    private readonly build: (db: Executor, values: V) => B,
  ) {}

  /** The Kysely query with these values, for any connection or transaction. */
  query(db: Executor, values: V): B {
    return this.build(db, values);
  }

  /** Compiles against `db`'s dialect with placeholders: the SQL text and where each value goes. */
  compile(db: Executor): CompiledTemplate {
    const placeholders = Object.fromEntries(this.names.map((n) => [n, MARK + n])) as unknown as V;
    const { sql, parameters } = this.build(db, placeholders).compile();
    if (sql.includes(MARK)) throw new Error(`query template: a value was written into the SQL text: ${sql}`);
    const slots: Slot[] = parameters.map((p) => (typeof p === 'string' && p.startsWith(MARK) ? { name: p.slice(MARK.length) } : { constant: p }));
    for (const n of this.names) {
      if (!slots.some((s) => 'name' in s && s.name === n)) throw new Error(`query template: value ${n} is not a parameter of ${sql}`);
    }
    return { sql, slots };
  }
}

/** The parameters of a compiled template for these values. */
export function bindTemplate(compiled: CompiledTemplate, values: Record<string, unknown>): unknown[] {
  const out = new Array(compiled.slots.length);
  for (let i = 0; i < out.length; i++) {
    const s = compiled.slots[i];
    out[i] = 'name' in s ? values[s.name] : s.constant;
  }
  return out;
}
