import type { Kysely } from 'kysely';
import type { DB, Executor } from '../db/schema.ts';
import type { DomainEvent, EventName } from './events.ts';
import type { EventRef, EventRelay } from './relay.ts';

type Names = readonly EventName[] | '*';
type InTransaction = (trx: Executor, e: DomainEvent) => Promise<void>;
type Everywhere = (e: EventRef) => void;
type Local = (e: DomainEvent) => void;

interface Subscription<F> {
  names: ReadonlySet<EventName> | null;
  fn: F;
  /** For needsTransaction with a project: whether this subscriber would write for it (false lets a hot path skip the transaction). */
  relevant?: (name: EventName, projectId: string) => boolean;
}

const wants = (s: Subscription<unknown>, name: EventName) => s.names === null || s.names.has(name);
const subscription = <F>(names: Names, fn: F): Subscription<F> => ({ names: names === '*' ? null : new Set(names), fn });

/** Collects what a transaction's writes mean; published only if it commits. */
export type Emit = (e: DomainEvent) => void;

/**
 * The in-process event bus. A service makes its change and its events in one `transaction`: the
 * transactional subscribers (outbox rows for mail and webhooks, audit rows) write inside it, the
 * relay queues the events for the other processes inside it, and after commit the local
 * subscribers run. Nothing is published for a rollback.
 */
export class EventBus {
  private inTransaction: Subscription<InTransaction>[] = [];
  private everywhere: Subscription<Everywhere>[] = [];
  private local: Subscription<Local>[] = [];
  private resets: (() => void)[] = [];

  constructor(
    private readonly db: Kysely<DB>,
    private readonly relay: EventRelay,
  ) {
    relay.onRemote((events) => {
      for (const e of events) this.runEverywhere(e);
    });
    relay.onReset(() => {
      for (const fn of this.resets) fn();
    });
  }

  /**
   * Runs inside the writing transaction; a failure rolls the change back. `relevant` answers, without
   * waiting, whether the subscriber may write for an event of a project (true when unsure).
   */
  onTransaction(names: Names, fn: InTransaction, relevant?: (name: EventName, projectId: string) => boolean): void {
    this.inTransaction.push({ ...subscription(names, fn), relevant });
  }

  /** Runs after commit in every process sharing the database (caches); sees names and ids only. */
  onCommitEverywhere(names: Names, fn: Everywhere): void {
    this.everywhere.push(subscription(names, fn));
  }

  /** Runs after commit in the writing process only, with the payload. */
  onCommit(names: Names, fn: Local): void {
    this.local.push(subscription(names, fn));
  }

  /** Another process's events may have been missed (relay connection lost, a CLI write on SQLite). */
  onReset(fn: () => void): void {
    this.resets.push(fn);
  }

  /** Whether some subscriber must write inside the transaction that causes this event (of this project, when given). */
  needsTransaction(name: EventName, projectId?: string): boolean {
    return this.inTransaction.some((s) => wants(s, name) && (projectId === undefined || !s.relevant || s.relevant(name, projectId)));
  }

  /** Runs `fn` in a transaction with an `emit` for its events; they are published only if it commits. */
  async transaction<T>(fn: (trx: Executor, emit: Emit) => Promise<T>): Promise<T> {
    const events: DomainEvent[] = [];
    const result = await this.db.transaction().execute(async (trx) => {
      const value = await fn(trx, (e) => events.push(e));
      await this.beforeCommit(trx, events);
      return value;
    });
    this.published(events);
    return result;
  }

  /** Inside the caller's transaction, after its writes: transactional subscribers and the relay. */
  async beforeCommit(trx: Executor, events: readonly DomainEvent[]): Promise<void> {
    for (const e of events) for (const s of this.inTransaction) if (wants(s, e.name)) await s.fn(trx, e);
    await this.relay.announceIn(trx, events.map(refOf));
  }

  /** After commit: this process's subscribers. */
  published(events: readonly DomainEvent[]): void {
    for (const e of events) {
      this.runEverywhere(e);
      for (const s of this.local) if (wants(s, e.name)) s.fn(e);
    }
  }

  /**
   * Events of a write committed outside `transaction` (SQLite's synchronous login path, which runs
   * only when no subscriber needs the transaction): relayed after the fact, then published here.
   */
  async committed(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.published(events);
    await this.relay.announce(events.map(refOf));
  }

  private runEverywhere(e: EventRef) {
    for (const s of this.everywhere) if (wants(s, e.name)) s.fn(e);
  }
}

const refOf = (e: DomainEvent): EventRef => ({ name: e.name, projectId: e.projectId, params: e.params });
