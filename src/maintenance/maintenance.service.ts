import type { Logger } from 'pino';
import type { Db } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import { deleteExpiredTokens } from '../tokens/tokens.repository.ts';
import { deleteExpiredSessions } from '../sessions/sessions.repository.ts';
import { deleteWindowsBefore } from '../rate-limits/rate-limits.repository.ts';

const INTERVAL_MS = 15 * 60_000;
/**
 * Rows deleted per statement. A backlog (a first run after months, a burst of expired tokens) is
 * removed in many short statements with the event loop free between them: one huge DELETE would hold
 * SQLite's write lock and the event loop for its whole length, and on PostgreSQL could outlast the
 * query timeout and be rolled back every time.
 */
const BATCH = 1000;
/** Longest abuse window any route uses is an hour; a day's margin keeps every live counter. */
const RATE_LIMIT_KEEP_S = 86_400;

/**
 * Periodic clean-up of rows nothing can use any more: expired tokens and sessions (already refused
 * at use) and abuse counters of long-past windows. Idempotent, so every process may run it.
 */
export class MaintenanceService {
  private timer: NodeJS.Timeout | null = null;
  /** Other domains' clean-ups (the audit log's retention): name → delete one batch, return the count. */
  private tasks = new Map<string, (batch: number) => Promise<number>>();

  constructor(
    private db: Db,
    private clock: Clock,
    private logger: Logger,
    private readonly batch = BATCH,
  ) {}

  async runOnce(): Promise<{ tokens: number; sessions: number; rateLimits: number; [task: string]: number }> {
    const now = this.clock.now();
    const tokens = await this.inBatches((n) => deleteExpiredTokens(this.db, now, n));
    const sessions = await this.inBatches((n) => deleteExpiredSessions(this.db, now, n));
    const rateLimits = await this.inBatches((n) => deleteWindowsBefore(this.db, Math.floor(now / 1000) - RATE_LIMIT_KEEP_S, n));
    const done: Record<string, number> = {};
    for (const [name, deleteBatch] of this.tasks) done[name] = await this.inBatches(deleteBatch);
    return { tokens, sessions, rateLimits, ...done };
  }

  /** Runs `deleteBatch` with the built-in clean-ups, in batches, until a batch comes back short. */
  addTask(name: string, deleteBatch: (batch: number) => Promise<number>): void {
    this.tasks.set(name, deleteBatch);
  }

  /** Runs a batched delete until a batch comes back short; returns the total deleted. */
  private async inBatches(deleteBatch: (batch: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await deleteBatch(this.batch);
      total += n;
      if (n < this.batch) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  start(intervalMs = INTERVAL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.runOnce()
        .then((r) => Object.values(r).some((n) => n > 0) && this.logger.info(r, 'maintenance: removed expired rows'))
        .catch((err) => this.logger.error({ err }, 'maintenance failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
