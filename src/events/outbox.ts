import type { Selectable } from 'kysely';
import type { OutboxTable } from '../db/schema.ts';
import type { Random } from '../support/clock.ts';

/** What a producer writes to the outbox, inside the transaction of the change that causes it. */
export interface OutboxMessage {
  /** The delivery channel registered with OutboxService.register (e.g. `http`). */
  channel: string;
  /** JSON-serialisable. */
  payload: unknown;
  /** Sealed at rest under the server key; cleared from the row once it cannot be delivered any more. */
  secret?: boolean;
  /** A second enqueue with the same key (per project) is a no-op while the first is pending, and for a day after delivery. */
  dedupeKey?: string;
  /** Messages with the same key are delivered one at a time, in the order they were written (a later one waits while an earlier one is pending). */
  orderKey?: string;
}

/** One delivery attempt, as a channel sees it. */
export interface Delivery {
  /** Stable across attempts and processes: receivers deduplicate on it. */
  id: string;
  projectId: string;
  channel: string;
  payload: unknown;
  /** 1 on the first attempt. */
  attempt: number;
  /** Aborted when the attempt times out or the worker stops. */
  signal: AbortSignal;
}

/** Resolve once the receiver accepted; throw to retry later; throw PermanentDeliveryError to stop. */
export type Deliver = (m: Delivery) => Promise<void>;

/** The receiver refused the message for good (e.g. a 4xx): no retry, the row becomes a dead letter. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

export type OutboxStatus = 'pending' | 'delivered' | 'dead';
export type OutboxRow = Selectable<OutboxTable>;

export interface OutboxOptions {
  /** How often an idle worker looks for due messages (kick() wakes it sooner). */
  pollMs: number;
  /** How long a claim holds a message; a worker that dies holding it is replaced after this. Must exceed timeoutMs. */
  leaseMs: number;
  /** Longest one delivery attempt may take. */
  timeoutMs: number;
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  /** Attempts (including ones cut by a crash) before a message becomes a dead letter. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** How long stop() waits for deliveries in flight before aborting them. */
  stopTimeoutMs: number;
  /** How long a delivered message with a dedupe key keeps its (payload-less) row. */
  dedupeRetentionMs: number;
  /** How long dead letters are kept for inspection. */
  deadRetentionMs: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  pollMs: 1_000,
  leaseMs: 60_000,
  timeoutMs: 15_000,
  concurrency: 4,
  maxAttempts: 15,
  backoffBaseMs: 1_000,
  backoffCapMs: 3_600_000,
  stopTimeoutMs: 5_000,
  dedupeRetentionMs: 86_400_000,
  deadRetentionMs: 30 * 86_400_000,
};

/**
 * Delay before the attempt after `failedAttempts` failures: exponential, capped, with "equal jitter"
 * (between half and all of it), so receivers coming back are not hit by every message at once.
 */
export function backoffDelay(failedAttempts: number, random: Random, baseMs: number, capMs: number): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.min(failedAttempts - 1, 40));
  const half = Math.floor(full / 2);
  return half + (half > 0 ? random.int(half + 1) : 0);
}

/** Binds a sealed payload to its row: copied to another row, it will not open. */
export function sealContext(id: string): string {
  return `outbox:${id}`;
}
