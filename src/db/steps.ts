import { InsertQueryBuilder } from 'kysely';
import type { Database } from './database.ts';
import type { Executor } from './schema.ts';
import type { SyncSqlite } from './sync.ts';
import type { QueryTemplate, TemplateRow } from './template.ts';

/**
 * One statement of a multi-statement write: a query template with its values, and what the write
 * needs back (the first row, how many rows changed, or an insert's new `seq`).
 */
export interface Step {
  template: QueryTemplate<any, any>;
  values: Record<string, unknown>;
  want: 'first' | 'changes' | 'seq';
}

/**
 * A write written once as a generator of steps, so one definition runs both ways: synchronously on
 * an idle SQLite connection (no Kysely machinery on the hot path, see sync.ts) and through a Kysely
 * transaction (PostgreSQL, or SQLite while another transaction holds the connection).
 */
export type Steps<T> = Generator<Step, T, unknown>;

type ValuesOf<T> = T extends QueryTemplate<infer V, any> ? V : never;

/** The template's first row (e.g. an insert … returning). */
export function* firstRow<T extends QueryTemplate<any, any>>(template: T, values: ValuesOf<T>): Generator<Step, TemplateRow<T> | undefined, unknown> {
  return (yield { template, values, want: 'first' }) as TemplateRow<T> | undefined;
}

/**
 * The `seq` (INTEGER PRIMARY KEY / identity) of the row the template's insert wrote. SQLite reads it
 * as the rowid, cheaper than RETURNING (~10 µs a row); PostgreSQL asks for it with RETURNING.
 */
export function* insertedSeq<T extends QueryTemplate<any, InsertQueryBuilder<any, any, any>>>(template: T, values: ValuesOf<T>): Generator<Step, number, unknown> {
  return (yield { template, values, want: 'seq' }) as number;
}

/** How many rows the template's update or delete changed. */
export function* changedRows<T extends QueryTemplate<any, any>>(template: T, values: ValuesOf<T>): Generator<Step, number, unknown> {
  return (yield { template, values, want: 'changes' }) as number;
}

/** Runs `steps` in one transaction: synchronously on an idle SQLite connection, else through Kysely. */
export function runSteps<T>(database: Database, steps: () => Steps<T>): T | Promise<T> {
  const sync = database.sync;
  if (sync?.idle()) return runStepsSync(sync, steps);
  return database.db.transaction().execute((trx) => driveAsync(trx, steps()));
}

/** Runs `steps` in one synchronous SQLite transaction (the caller checked the connection is idle). */
export function runStepsSync<T>(sync: SyncSqlite, steps: () => Steps<T>): T {
  return sync.transaction(() => driveSync(sync, steps()));
}

/** Runs `steps` inside the caller's transaction. */
export function runStepsAsync<T>(trx: Executor, steps: () => Steps<T>): Promise<T> {
  return driveAsync(trx, steps());
}

function driveSync<T>(sync: SyncSqlite, steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) {
    const { template, values, want } = next.value;
    if (want === 'first') next = steps.next(sync.firstOf(template, values));
    else if (want === 'seq') next = steps.next(sync.insertOf(template, values));
    else next = steps.next(sync.runOf(template, values));
  }
  return next.value;
}

async function driveAsync<T>(db: Executor, steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const { template, values, want } = next.value;
    const query = template.query(db, values);
    if (want === 'seq' && !(query instanceof InsertQueryBuilder)) throw new Error('insertedSeq needs an insert template');
    const result = want === 'seq' ? await query.returning('seq').executeTakeFirstOrThrow() : await query.executeTakeFirst();
    next = steps.next(want === 'first' ? result : want === 'seq' ? Number(result.seq) : changedCount(result));
  }
  return next.value;
}

/** Kysely's write results name their count by statement kind. */
function changedCount(result: { numDeletedRows?: bigint; numUpdatedRows?: bigint; numInsertedOrUpdatedRows?: bigint } | undefined): number {
  return Number(result?.numDeletedRows ?? result?.numUpdatedRows ?? result?.numInsertedOrUpdatedRows ?? 0);
}
