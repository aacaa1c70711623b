import { sql } from 'kysely';
import type { Executor } from '../db/schema.ts';

/** Counts one hit in a fixed window with a single upsert; returns the count inside the window. */
export async function hitWindow(db: Executor, key: string, windowStart: number): Promise<number> {
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_start: windowStart, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql`case when rate_limits.window_start = ${windowStart} then rate_limits.count + 1 else 1 end`,
        window_start: windowStart,
      }),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Takes back one hit of the window, if the window is still the current one. */
export async function unhitWindow(db: Executor, key: string, windowStart: number): Promise<void> {
  await db
    .updateTable('rate_limits')
    .set({ count: sql`count - 1` })
    .where('key', '=', key)
    .where('window_start', '=', windowStart)
    .where('count', '>', 0)
    .execute();
}

/** The count inside the current window, without counting (0 when the window has moved on). */
export async function readWindow(db: Executor, key: string, windowStart: number): Promise<number> {
  const row = await db.selectFrom('rate_limits').select('count').where('key', '=', key).where('window_start', '=', windowStart).executeTakeFirst();
  return row ? Number(row.count) : 0;
}

export async function resetKeys(db: Executor, keys: string[]): Promise<void> {
  if (keys.length) await db.deleteFrom('rate_limits').where('key', 'in', keys).execute();
}

/** Drops counters whose window started before `windowStart` (epoch seconds). */
/** Deletes up to `batch` counters of windows that started before `windowStart`; returns how many. */
export async function deleteWindowsBefore(db: Executor, windowStart: number, batch: number): Promise<number> {
  const r = await db
    .deleteFrom('rate_limits')
    .where('key', 'in', (eb) => eb.selectFrom('rate_limits').select('key').where('window_start', '<', windowStart).limit(sql.lit(Math.trunc(batch))))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
