import type { Executor } from '../db/schema.ts';
import type { Sealer } from '../support/sealing.ts';

/** What a secret generated before sealing looks like: 64 random bytes in hex, kept in plaintext. */
const LEGACY_PLAINTEXT = /^[0-9a-f]{128}$/;

/**
 * A server-wide secret kept in `server_settings`, sealed under the server key so a database dump does
 * not show it. The first process to start creates it; the others read the same row. A plaintext value
 * left by an older version is sealed in place and kept, so what was signed with it still verifies.
 */
export async function loadSealedSetting(db: Executor, sealer: Sealer, name: string, generate: () => string): Promise<string> {
  const context = `server_settings:${name}`;
  await db
    .insertInto('server_settings')
    .values({ name, value: sealer.seal(generate(), context) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const { value } = await db.selectFrom('server_settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  if (LEGACY_PLAINTEXT.test(value)) {
    // Conditional on the old value, so processes starting together seal it once and agree on it.
    await db.updateTable('server_settings').set({ value: sealer.seal(value, context) }).where('name', '=', name).where('value', '=', value).execute();
    return value;
  }
  try {
    return sealer.open(value, context);
  } catch {
    throw new Error(
      `the ${name} stored in the database was sealed under another server key: every process on one database needs the same ` +
        'TESSERA_SECRET_KEY or TESSERA_SECRET_KEY_FILE (the first process wrote <data dir>/secret.key)',
    );
  }
}

/** The raw (sealed) value of a server setting, or undefined. */
export async function readSetting(db: Executor, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('server_settings').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

/** Writes a setting unless it exists (the first process to start wins). */
export async function insertSettingIfMissing(db: Executor, name: string, value: string): Promise<void> {
  await db.insertInto('server_settings').values({ name, value }).onConflict((oc) => oc.column('name').doNothing()).execute();
}

/** Replaces a setting only if it still holds `expected`: concurrent writers cannot lose each other's change. */
export async function replaceSetting(db: Executor, name: string, expected: string, value: string): Promise<boolean> {
  const result = await db.updateTable('server_settings').set({ value }).where('name', '=', name).where('value', '=', expected).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
