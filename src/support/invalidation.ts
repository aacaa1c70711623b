import type pg from 'pg';

export type InvalidationKind = 'project' | 'user' | 'key';
type Listener = (projectId: string, id: string) => void;

const CHANNEL = 'tessera_invalidate';
const HEARTBEAT_MS = 5_000;
const PUBLISH_ATTEMPTS = 3;

/**
 * Tells every per-process cache that something changed. In-process listeners run synchronously,
 * before the writing request answers; on PostgreSQL the same message reaches other processes
 * through LISTEN/NOTIFY.
 */
export class Invalidation {
  private listeners = new Map<InvalidationKind, Listener[]>();
  private listenClient: pg.PoolClient | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly origin = Math.random().toString(36).slice(2);

  /**
   * `heartbeatMs`: how often the LISTEN connection is asked to answer, and how long it has to. A
   * connection cut silently (no reset: a network partition) raises no error and would keep the
   * caches serving while messages are missed; the heartbeat bounds how long that can last.
   */
  constructor(
    private pool: pg.Pool | null,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  /**
   * False while another process's message could be missed (PostgreSQL, LISTEN connection down):
   * caches that must never serve a revoked entry stop serving until it is back.
   */
  get live(): boolean {
    return this.pool === null || this.listenClient !== null;
  }

  on(kind: InvalidationKind, fn: Listener): void {
    const list = this.listeners.get(kind) ?? [];
    list.push(fn);
    this.listeners.set(kind, list);
  }

  /** Local listeners first, then the other processes. */
  async publish(kind: InvalidationKind, projectId: string, id = ''): Promise<void> {
    this.deliver(kind, projectId, id);
    if (this.pool) {
      const payload = JSON.stringify([this.origin, kind, projectId, id]);
      // The write it announces is already committed: a connection lost on the way must not leave
      // other processes serving what was revoked, so a failed send is retried on a fresh connection.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.pool.query('select pg_notify($1, $2)', [CHANNEL, payload]);
          return;
        } catch (err) {
          if (attempt >= PUBLISH_ATTEMPTS) throw err;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    }
  }

  async start(): Promise<void> {
    if (!this.pool) return;
    this.stopped = false;
    await this.listen(this.pool);
  }

  private async listen(pool: pg.Pool): Promise<void> {
    const client = await pool.connect();
    client.on('notification', (msg) => {
      try {
        const [origin, kind, projectId, id] = JSON.parse(msg.payload ?? '[]');
        if (origin !== this.origin) this.deliver(kind, projectId, id);
      } catch {
        /* ignore malformed payloads */
      }
    });
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
    this.dropEverything();
    this.startHeartbeat(client);
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
    this.dropEverything();
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
    this.retry = null;
    this.stopHeartbeat();
    const client = this.listenClient;
    this.listenClient = null;
    if (client) {
      await client.query(`unlisten ${CHANNEL}`).catch(() => {});
      client.release();
    }
  }

  private deliver(kind: InvalidationKind, projectId: string, id: string) {
    for (const fn of this.listeners.get(kind) ?? []) fn(projectId, id);
  }

  /** A lost LISTEN connection may have missed messages: forget everything cached. */
  private dropEverything() {
    for (const fns of this.listeners.values()) for (const fn of fns) fn('*', '*');
  }
}
