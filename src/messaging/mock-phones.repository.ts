import type { Selectable } from 'kysely';
import type { Executor, MockPhonesTable } from '../db/schema.ts';

export type MockPhoneRow = Selectable<MockPhonesTable>;

export async function findMockPhone(db: Executor, projectId: string, phone: string): Promise<MockPhoneRow | undefined> {
  return db.selectFrom('mock_phones').selectAll().where('project_id', '=', projectId).where('phone', '=', phone).executeTakeFirst();
}

export async function insertMockPhone(db: Executor, row: MockPhoneRow): Promise<void> {
  await db.insertInto('mock_phones').values(row).execute();
}

export async function updateMockPhoneOtp(db: Executor, projectId: string, phone: string, otp: string, now: number): Promise<boolean> {
  const res = await db.updateTable('mock_phones').set({ otp, updated_at: now }).where('project_id', '=', projectId).where('phone', '=', phone).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function deleteMockPhone(db: Executor, projectId: string, phone: string): Promise<boolean> {
  const res = await db.deleteFrom('mock_phones').where('project_id', '=', projectId).where('phone', '=', phone).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function listMockPhones(db: Executor, projectId: string, page: { limit: number; offset: number }): Promise<MockPhoneRow[]> {
  return db
    .selectFrom('mock_phones')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('created_at')
    .orderBy('phone')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

export async function countMockPhones(db: Executor, projectId: string): Promise<number> {
  const row = await db.selectFrom('mock_phones').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
  return Number(row.n);
}
