import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/database.ts';
import type { Clock } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import { AppwriteError } from '../errors/errors.ts';
import { lockProjectSettings } from '../projects/projects.repository.ts';
import { MOCK_PHONES_MAX, type MockPhone } from './messaging.ts';
import { mockNumberModel } from './messaging.models.ts';
import {
  countMockPhones,
  deleteMockPhone,
  findMockPhone,
  insertMockPhone,
  listMockPhones,
  updateMockPhoneOtp,
  type MockPhoneRow,
} from './mock-phones.repository.ts';

const toMockPhone = (r: MockPhoneRow): MockPhone => ({ phone: r.phone, otp: r.otp, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) });

/**
 * A project's mock phone numbers (for testers and app-store reviewers): phone login and phone
 * verification for such a number take its fixed code, and no SMS is sent.
 */
export class MockPhonesService {
  constructor(
    private readonly database: Pick<Database, 'db' | 'dialect'>,
    private readonly clock: Clock,
    private readonly bus: EventBus,
  ) {}

  /** The fixed code of a project's mock number, or null for any other number. */
  async otpFor(projectId: string, phone: string): Promise<string | null> {
    return (await findMockPhone(this.database.db, projectId, phone))?.otp ?? null;
  }

  async list(projectId: string, page: { limit: number; offset: number }, total: boolean): Promise<{ mockNumbers: MockPhone[]; total: number }> {
    const rows = await listMockPhones(this.database.db, projectId, page);
    return { mockNumbers: rows.map(toMockPhone), total: total ? await countMockPhones(this.database.db, projectId) : 0 };
  }

  async get(projectId: string, phone: string): Promise<MockPhone> {
    const row = await findMockPhone(this.database.db, projectId, phone);
    if (!row) throw new AppwriteError('mock_number_not_found');
    return toMockPhone(row);
  }

  /** 409 for a number already there; 400 past 5000 (counted under the project row's lock, so concurrent creates cannot pass it). */
  async create(projectId: string, phone: string, otp: string): Promise<MockPhone> {
    const now = this.clock.now();
    const row: MockPhoneRow = { project_id: projectId, phone, otp, created_at: now, updated_at: now };
    try {
      await this.bus.transaction(async (trx, emit) => {
        await lockProjectSettings(trx, projectId, this.database.dialect);
        if ((await countMockPhones(trx, projectId)) >= MOCK_PHONES_MAX) throw new AppwriteError('mock_number_limit_exceeded');
        await insertMockPhone(trx, row);
        emit(event('mock-phones.[number].create', projectId, { number: phone }, mockNumberModel(toMockPhone(row))));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError('mock_number_already_exists');
      throw err;
    }
    return toMockPhone(row);
  }

  async update(projectId: string, phone: string, otp: string): Promise<MockPhone> {
    return this.bus.transaction(async (trx, emit) => {
      if (!(await updateMockPhoneOtp(trx, projectId, phone, otp, this.clock.now()))) throw new AppwriteError('mock_number_not_found');
      const mock = toMockPhone((await findMockPhone(trx, projectId, phone))!);
      emit(event('mock-phones.[number].update', projectId, { number: phone }, mockNumberModel(mock)));
      return mock;
    });
  }

  async delete(projectId: string, phone: string): Promise<void> {
    await this.bus.transaction(async (trx, emit) => {
      if (!(await deleteMockPhone(trx, projectId, phone))) throw new AppwriteError('mock_number_not_found');
      emit(event('mock-phones.[number].delete', projectId, { number: phone }));
    });
  }
}
