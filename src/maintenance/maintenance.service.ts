import type { Logger } from 'pino';
import type { Db } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import { deleteExpiredTokens } from '../tokens/tokens.repository.ts';
import { deleteExpiredSessions } from '../sessions/sessions.repository.ts';
import { deleteWindowsBefore } from '../rate-limits/rate-limits.repository.ts';

const INTERVAL_MS = 15 * 60_000;
/** Longest abuse window any route uses is an hour; a day's margin keeps every live counter. */
const RATE_LIMIT_KEEP_S = 86_400;

/**
 * Periodic clean-up of rows nothing can use any more: expired tokens and sessions (already refused
 * at use) and abuse counters of long-past windows. Idempotent, so every process may run it.
 */
export class MaintenanceService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private db: Db,
    private clock: Clock,
    private logger: Logger,
  ) {}

  async runOnce(): Promise<{ tokens: number; sessions: number; rateLimits: number }> {
    const now = this.clock.now();
    const tokens = await deleteExpiredTokens(this.db, now);
    const sessions = await deleteExpiredSessions(this.db, now);
    const rateLimits = await deleteWindowsBefore(this.db, Math.floor(now / 1000) - RATE_LIMIT_KEEP_S);
    return { tokens, sessions, rateLimits };
  }

  start(intervalMs = INTERVAL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.runOnce()
        .then((r) => (r.tokens || r.sessions || r.rateLimits) && this.logger.info(r, 'maintenance: removed expired rows'))
        .catch((err) => this.logger.error({ err }, 'maintenance failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
