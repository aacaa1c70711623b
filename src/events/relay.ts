import { sql } from 'kysely';
import type pg from 'pg';
import type { Executor } from '../db/schema.ts';
import type { SyncSqlite } from '../db/sync.ts';
import type { DomainEvent, EventName } from './events.ts';

/** An event as it crosses to another process: names and ids, no payload. */
export type EventRef = Pick<DomainEvent, 'name' | 'projectId' | 'params'>;

type RemoteHandler = (events: EventRef[]) => void;
type ResetHandler = () => void;

const CHANNEL = 'tessera_events';
const HEARTBEAT_MS = 5_000;
const PUBLISH_ATTEMPTS = 3;
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; larger batches are split. */
const MAX_PAYLOAD = 7_000;
/** SQLite: how often to look whether another process (the CLI) committed. */
const SQLITE_POLL_MS = 250;

/**
 * Carries committed events to the other processes sharing the database, so their caches drop what
 * changed. On PostgreSQL the NOTIFY is sent inside the writing transaction: PostgreSQL delivers it on
 * commit, and never for a rollback, so a process dying after its commit cannot lose it. On SQLite
 * the only other writers are CLI runs: a change of `PRAGMA data_version` (another connection
 * committed) resets every cache.
 */
export class EventRelay {
  private remote: RemoteHandler[] = [];
  private resets: ResetHandler[] = [];
  private listenClient: pg.PoolClient | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private sqlitePoll: NodeJS.Timeout | null = null;
  private seenDataVersion: number | undefined;
  private readonly origin = Math.random().toString(36).slice(2);

  /**
   * `heartbeatMs`: how often the LISTEN connection is asked to answer, and how long it has to. A
   * connection cut silently (no reset: a network partition) raises no error and would keep the
   * caches serving while messages are missed; the heartbeat bounds how long that can last.
   */
  constructor(
    private pool: pg.Pool | null,
    private readonly heartbeatMs = HEARTBEAT_MS,
    private readonly sqlite: SyncSqlite | null = null,
  ) {}

  /**
   * False while another process's message could be missed (PostgreSQL, LISTEN connection down):
   * caches that must never serve a revoked entry stop serving until it is back.
   */
  get live(): boolean {
    return this.pool === null || this.listenClient !== null;
  }

  /** Events committed by another process. */
  onRemote(fn: RemoteHandler): void {
    this.remote.push(fn);
  }

  /** Messages may have been missed: every cache starts again from the database. */
  onReset(fn: ResetHandler): void {
    this.resets.push(fn);
  }

  /** Inside the writing transaction: queued by PostgreSQL, sent on commit, dropped on rollback. */
  async announceIn(trx: Executor, events: readonly EventRef[]): Promise<void> {
    if (!this.pool || events.length === 0) return;
    for (const payload of this.payloads(events)) await sql`select pg_notify(${CHANNEL}, ${payload})`.execute(trx);
  }

  /**
   * For a write committed without a transaction of its own: sent after the fact, retried on a fresh
   * connection, since the others must not keep serving what was revoked.
   */
  async announce(events: readonly EventRef[]): Promise<void> {
    if (!this.pool || events.length === 0) return;
    for (const payload of this.payloads(events)) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.pool.query('select pg_notify($1, $2)', [CHANNEL, payload]);
          break;
        } catch (err) {
          if (attempt >= PUBLISH_ATTEMPTS) throw err;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    }
  }

  private payloads(events: readonly EventRef[]): string[] {
    const out: string[] = [];
    let batch: [string, string, unknown][] = [];
    let size = 0;
    for (const e of events) {
      const item: [string, string, unknown] = [e.name, e.projectId, e.params];
      const bytes = Buffer.byteLength(JSON.stringify(item));
      if (batch.length && size + bytes > MAX_PAYLOAD) {
        out.push(JSON.stringify([this.origin, batch]));
        batch = [];
        size = 0;
      }
      batch.push(item);
      size += bytes;
    }
    if (batch.length) out.push(JSON.stringify([this.origin, batch]));
    return out;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.sqlite) this.watchSqlite(this.sqlite);
    if (!this.pool) return;
    await this.listen(this.pool);
  }

  private watchSqlite(sqlite: SyncSqlite) {
    this.seenDataVersion = sqlite.dataVersion();
    this.sqlitePoll = setInterval(() => this.catchUp(), SQLITE_POLL_MS);
    this.sqlitePoll.unref();
  }

  /**
   * SQLite: if another process (the CLI) committed since the last look, every cache starts again.
   * One pragma; polled every 250 ms, and called on each use by caches that must not wait for the poll.
   */
  catchUp(): void {
    if (!this.sqlite) return;
    const version = this.sqlite.dataVersion();
    if (version === this.seenDataVersion) return;
    this.seenDataVersion = version;
    this.reset();
  }

  private async listen(pool: pg.Pool): Promise<void> {
    const client = await pool.connect();
    client.on('notification', (msg) => this.received(msg.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('LISTEN connection ended')));
    try {
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    if (this.stopped) return client.release();
    this.listenClient = client;
    // Messages sent while nobody listened are lost: start from empty caches.
    this.reset();
    this.startHeartbeat(client);
  }

  private received(payload: string | undefined) {
    let events: EventRef[];
    try {
      const [origin, batch] = JSON.parse(payload ?? '[]') as [string, [EventName, string, EventRef['params']][]];
      if (origin === this.origin || !Array.isArray(batch)) return;
      events = batch.map(([name, projectId, params]) => ({ name, projectId, params }));
    } catch {
      return; // not ours
    }
    for (const fn of this.remote) fn(events);
  }

  private startHeartbeat(client: pg.PoolClient) {
    let waiting = false;
    this.heartbeat = setInterval(() => {
      if (waiting || this.listenClient !== client) return;
      waiting = true;
      const deadline = setTimeout(() => this.lost(client, new Error('LISTEN connection stopped answering')), this.heartbeatMs);
      deadline.unref();
      client
        .query('select 1')
        .catch(() => {}) // the connection's error and end handlers act on a failure
        .finally(() => {
          clearTimeout(deadline);
          waiting = false;
        });
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** The LISTEN connection died: forget everything cached and listen again, retrying with backoff. */
  private lost(client: pg.PoolClient, err: Error) {
    if (this.listenClient !== client) return;
    this.listenClient = null;
    this.stopHeartbeat();
    // Released with an error, the pool ends the connection (destroying it if a query hangs).
    client.release(err);
    this.reset();
    this.reconnect(100);
  }

  private reconnect(delayMs: number) {
    if (this.stopped || !this.pool || this.retry) return;
    const pool = this.pool;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.stopped) return;
      this.listen(pool).catch(() => this.reconnect(Math.min(delayMs * 2, 5_000)));
    }, delayMs);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.sqlitePoll) clearInterval(this.sqlitePoll);
    this.retry = null;
    this.sqlitePoll = null;
    this.stopHeartbeat();
    const client = this.listenClient;
    this.listenClient = null;
    if (client) {
      await client.query(`unlisten ${CHANNEL}`).catch(() => {});
      client.release();
    }
  }

  private reset() {
    for (const fn of this.resets) fn();
  }
}
