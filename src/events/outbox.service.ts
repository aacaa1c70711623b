import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import { randomHex, uniqueId } from '../support/ids.ts';
import type { Sealer } from '../support/sealing.ts';
import {
  backoffDelay,
  DEFAULT_OUTBOX_OPTIONS,
  PermanentDeliveryError,
  sealContext,
  type Deliver,
  type OutboxMessage,
  type OutboxOptions,
  type OutboxRow,
} from './outbox.ts';
import {
  claimDue,
  deleteFinishedBefore,
  findIdByDedupeKey,
  insertMessage,
  markDead,
  markDelivered,
  reschedule,
  type NewOutboxRow,
} from './outbox.repository.ts';

const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 500;
const ERROR_MAX_CHARS = 500;
/** Attempts at recording an accepted delivery before leaving it to the lease (and a second send). */
const MARK_ATTEMPTS = 3;

interface InFlight {
  done: Promise<void>;
  abort: AbortController;
}

/**
 * The durable outbox. Producers enqueue inside their transaction; a worker claims due messages
 * under a lease in a short statement, delivers them outside any transaction (bounded concurrency,
 * each attempt timed out), then deletes or reschedules them in another short statement. A worker
 * that dies mid-delivery leaves a lease that expires, and the message is attempted again.
 *
 *   await db.transaction().execute(async (trx) => {
 *     await insertThing(trx, …);
 *     await outbox.enqueue(trx, projectId, { channel: 'http', payload: { url, body }, secret: true });
 *   });
 *   outbox.kick(); // after commit: deliver now rather than at the next poll
 */
export class OutboxService {
  private readonly deliverers = new Map<string, Deliver>();
  private readonly opts: OutboxOptions;
  /** Names this process's worker in the rows it claims. */
  readonly workerId: string;
  private readonly inFlight = new Map<string, InFlight>();
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private lastSweep = 0;

  constructor(
    private readonly database: Pick<Database, 'db' | 'dialect'>,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly sealer: Sealer,
    private readonly logger: Logger,
    opts: Partial<OutboxOptions> = {},
  ) {
    this.opts = { ...DEFAULT_OUTBOX_OPTIONS, ...opts };
    if (this.opts.leaseMs <= this.opts.timeoutMs) throw new Error('the outbox lease must be longer than the delivery timeout');
    this.workerId = randomHex(random, 12);
  }

  /** Writes the message in the caller's transaction; returns its id (the existing one for a repeated dedupe key). */
  async enqueue(trx: Executor, projectId: string, msg: OutboxMessage): Promise<string> {
    const row = this.messageRow(projectId, msg);
    const inserted = await insertMessage(trx, row);
    if (inserted) return inserted;
    return (await findIdByDedupeKey(trx, projectId, msg.dedupeKey!)) ?? row.id;
  }

  /**
   * The row enqueue() inserts, payload sealed when secret: for a producer that must write it with
   * its own statement (a synchronous SQLite hot path, say) in its transaction.
   */
  messageRow(projectId: string, msg: OutboxMessage): NewOutboxRow {
    if (!msg.channel) throw new Error('an outbox message needs a channel');
    const id = uniqueId(this.clock, this.random);
    const json = JSON.stringify(msg.payload ?? null);
    const now = this.clock.now();
    return {
      id,
      project_id: projectId,
      channel: msg.channel,
      payload: msg.secret ? this.sealer.seal(json, sealContext(id)) : json,
      secret: msg.secret ? 1 : 0,
      dedupe_key: msg.dedupeKey ?? null,
      status: 'pending',
      attempts: 0,
      due_at: now,
      claim: null,
      worker: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      order_key: msg.orderKey ?? null,
    };
  }

  /** This process delivers `channel`'s messages with `deliver`; it never claims a channel it cannot deliver. */
  register(channel: string, deliver: Deliver): void {
    this.deliverers.set(channel, deliver);
  }

  /** Wakes the worker now: call it after the producing transaction commits. */
  kick(): void {
    if (this.running) setImmediate(() => this.pump());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.pump(), this.opts.pollMs);
    this.timer.unref();
    this.pump();
  }

  /** Stops claiming; waits (bounded) for deliveries in flight, then aborts the rest, whose leases will expire. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await withDeadline(this.settled(), this.opts.stopTimeoutMs);
    if (this.inFlight.size === 0) return;
    for (const f of this.inFlight.values()) f.abort.abort(new Error('the outbox worker is stopping'));
    await withDeadline(this.settled(), 1_000);
  }

  /** Tests: delivers everything due now (retries included once they are due), whether or not the worker runs. */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.claim(this.opts.concurrency);
      if (claimed.length === 0) return this.settled();
      await Promise.all(claimed.map((row) => this.launch(row)));
    }
  }

  /** Deliveries in flight now, for status and tests. */
  get busy(): number {
    return this.inFlight.size;
  }

  private async settled(): Promise<void> {
    while (this.pumping || this.inFlight.size > 0) {
      await Promise.allSettled([this.pumping, ...[...this.inFlight.values()].map((f) => f.done)]);
    }
  }

  /** Fills free delivery slots with due messages; one pump at a time, a kick during it runs another. */
  private pump(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.fill()
      .catch((err) => this.logger.error({ err }, 'outbox: claiming messages failed'))
      .finally(() => {
        this.pumping = null;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async fill(): Promise<void> {
    await this.sweepIfDue();
    while (this.running) {
      const room = this.opts.concurrency - this.inFlight.size;
      if (room <= 0) return;
      const claimed = await this.claim(room);
      for (const row of claimed) void this.launch(row).then(() => this.pump());
      if (claimed.length < room) return;
    }
  }

  private claim(limit: number): Promise<OutboxRow[]> {
    const now = this.clock.now();
    return claimDue(this.database.db, this.database.dialect, {
      channels: [...this.deliverers.keys()],
      limit,
      now,
      leaseUntil: now + this.opts.leaseMs,
      claim: randomHex(this.random, 24),
      worker: this.workerId,
    });
  }

  /** Runs one delivery attempt in a tracked slot; never rejects. */
  private launch(row: OutboxRow): Promise<void> {
    const abort = new AbortController();
    const done = this.attempt(row, abort)
      .catch((err) => this.logger.error({ err, id: row.id }, 'outbox: recording a delivery failed; the lease will expire'))
      .finally(() => this.inFlight.delete(row.id));
    this.inFlight.set(row.id, { done, abort });
    return done;
  }

  private async attempt(row: OutboxRow, abort: AbortController): Promise<void> {
    // Attempts cut short by crashes count too, so a message that kills its worker cannot loop for ever.
    if (row.attempts > this.opts.maxAttempts) return this.failed(row, new PermanentDeliveryError('attempts exhausted (leases expired)'));
    const deliver = this.deliverers.get(row.channel)!;
    const timer = setTimeout(() => abort.abort(new Error(`delivery timed out after ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    try {
      const payload = this.readPayload(row);
      const call = deliver({ id: row.id, projectId: row.project_id, channel: row.channel, payload, attempt: row.attempts, signal: abort.signal });
      await Promise.race([call, rejectOnAbort(abort.signal)]);
    } catch (err) {
      return this.failed(row, err);
    } finally {
      clearTimeout(timer);
    }
    await this.delivered(row);
  }

  private readPayload(row: OutboxRow): unknown {
    const json = row.secret ? this.sealer.open(row.payload, sealContext(row.id)) : row.payload;
    return JSON.parse(json);
  }

  /** Recorded at once after acceptance; retried briefly, since a row left pending is sent again when its lease ends. */
  private async delivered(row: OutboxRow): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await markDelivered(this.database.db, row.id, row.dedupe_key !== null, this.clock.now());
      } catch (err) {
        if (attempt >= MARK_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  private async failed(row: OutboxRow, err: unknown): Promise<void> {
    const error = describe(err);
    const now = this.clock.now();
    const claim = row.claim!;
    if (err instanceof PermanentDeliveryError || row.attempts >= this.opts.maxAttempts) {
      await markDead(this.database.db, row.id, claim, row.secret === 1, error, now);
      this.logger.error({ id: row.id, channel: row.channel, attempts: row.attempts, error }, 'outbox: message dead-lettered');
      return;
    }
    const dueAt = now + backoffDelay(row.attempts, this.random, this.opts.backoffBaseMs, this.opts.backoffCapMs);
    await reschedule(this.database.db, row.id, claim, dueAt, error, now);
    this.logger.warn({ id: row.id, channel: row.channel, attempt: row.attempts, retryAt: new Date(dueAt).toISOString(), error }, 'outbox: delivery failed, will retry');
  }

  /** Drops tombstones past their dedupe window and old dead letters, in short batches, about once a minute. */
  private async sweepIfDue(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    const db = this.database.db;
    while ((await deleteFinishedBefore(db, 'delivered', now - this.opts.dedupeRetentionMs, SWEEP_BATCH)) === SWEEP_BATCH);
    while ((await deleteFinishedBefore(db, 'dead', now - this.opts.deadRetentionMs, SWEEP_BATCH)) === SWEEP_BATCH);
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

async function withDeadline(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A short reason for the row and the log: channels keep secrets (URLs, payloads) out of their messages. */
function describe(err: unknown): string {
  const e = err as Error;
  return String(e?.message ?? e).slice(0, ERROR_MAX_CHARS);
}
