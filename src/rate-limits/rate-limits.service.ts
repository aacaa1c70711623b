import type { Db } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import { AppwriteError } from '../errors/errors.ts';
import { abuseKey, type AbuseContext, type AbuseRule, type WindowCount } from './rate-limits.ts';
import { hitWindow, readWindow, resetKeys, unhitWindow } from './rate-limits.repository.ts';
import { hashSecret } from '../support/secrets.ts';

export interface AbuseVerdict {
  keys: string[];
  limit: number;
  remaining: number;
  reset: number;
}

/**
 * Fixed-window abuse limits kept in the database, so they hold across processes. Every rule of a
 * route counts; the tightest one is reported in X-RateLimit-* headers.
 */
export class RateLimitsService {
  constructor(
    private db: Db,
    private clock: Clock,
    readonly enabled: boolean,
  ) {}

  /**
   * Counts the request under each rule and throws 429 general_rate_limit_exceeded when one is over.
   * With `count: false` (API keys, which Appwrite never limits) it only reads the counters, so the
   * caller still gets the X-RateLimit-* headers this request would have had.
   */
  async check(projectId: string, rules: AbuseRule[], ctx: AbuseContext, { count: counting = true } = {}): Promise<AbuseVerdict | null> {
    if (!this.enabled || rules.length === 0) return null;
    const nowS = Math.floor(this.clock.now() / 1000);
    let verdict: AbuseVerdict | null = null;
    let exceeded = false;
    const keys: string[] = [];
    for (const rule of rules) {
      const windowStart = Math.floor(nowS / rule.period) * rule.period;
      // Stored as a hash: the key holds raw, not yet validated params (a megabyte of email, a NUL).
      const key = hashSecret(`${projectId}|${abuseKey(rule.key, ctx)}`);
      keys.push(key);
      const count = counting ? await hitWindow(this.db, key, windowStart) : (await readWindow(this.db, key, windowStart)) + 1;
      const remaining = Math.max(0, rule.limit - count);
      if (counting && count > rule.limit) exceeded = true;
      if (!verdict || remaining < verdict.remaining) verdict = { keys, limit: rule.limit, remaining, reset: windowStart + rule.period };
    }
    if (exceeded) {
      const err = new AppwriteError('general_rate_limit_exceeded');
      (err as any).rateLimit = verdict;
      throw err;
    }
    return verdict;
  }

  /** After a successful login the route's counters start over (Appwrite's abuse-reset). */
  reset(keys: string[]): Promise<void> {
    return resetKeys(this.db, keys);
  }

  /**
   * Counts one attempt under a named counter of the service's own (not a route's rule), in a fixed
   * window of `period` seconds. Counting before the attempt is judged makes the limit exact under
   * concurrency: the attempt past the limit knows it before it runs.
   */
  async countAttempt(projectId: string, name: string, period: number): Promise<WindowCount> {
    const { key, windowStart } = this.window(projectId, name, period);
    return { count: await hitWindow(this.db, key, windowStart), reset: windowStart + period };
  }

  /** Takes back an attempt counted by countAttempt (one that turned out not to count, e.g. a success). */
  async uncountAttempt(projectId: string, name: string, period: number): Promise<void> {
    const { key, windowStart } = this.window(projectId, name, period);
    await unhitWindow(this.db, key, windowStart);
  }

  private window(projectId: string, name: string, period: number) {
    const nowS = Math.floor(this.clock.now() / 1000);
    return { key: hashSecret(`${projectId}|${name}`), windowStart: Math.floor(nowS / period) * period };
  }
}
