import type pg from 'pg';

export type InvalidationKind = 'project' | 'user' | 'key';
type Listener = (projectId: string, id: string) => void;

const CHANNEL = 'tessera_invalidate';

/**
 * Tells every per-process cache that something changed. In-process listeners run synchronously,
 * before the writing request answers; on PostgreSQL the same message reaches other processes
 * through LISTEN/NOTIFY.
 */
export class Invalidation {
  private listeners = new Map<InvalidationKind, Listener[]>();
  private listenClient: pg.PoolClient | null = null;
  private readonly origin = Math.random().toString(36).slice(2);

  constructor(private pool: pg.Pool | null) {}

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
      await this.pool.query('select pg_notify($1, $2)', [CHANNEL, payload]);
    }
  }

  async start(): Promise<void> {
    if (!this.pool) return;
    const client = await this.pool.connect();
    client.on('notification', (msg) => {
      try {
        const [origin, kind, projectId, id] = JSON.parse(msg.payload ?? '[]');
        if (origin !== this.origin) this.deliver(kind, projectId, id);
      } catch {
        /* ignore malformed payloads */
      }
    });
    client.on('error', () => this.dropEverything());
    await client.query(`listen ${CHANNEL}`);
    this.listenClient = client;
  }

  async stop(): Promise<void> {
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
