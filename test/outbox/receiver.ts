import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverMode = 'accept' | 'fail' | 'hold' | 'reject' | 'throttle' | 'redirect';

export interface ReceivedRequest {
  id: string;
  idempotencyKey: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A real HTTP receiver on 127.0.0.1 standing in for a webhook endpoint. `mode` decides how it
 * answers the next requests: accept (200), fail (503), throttle (429), reject (400), redirect (302
 * to itself), hold (never answers). It counts what it accepted per X-Tessera-Message-Id, the count exactly-once is judged by.
 */
export class Receiver {
  mode: ReceiverMode = 'accept';
  /** Delays each answer (a slow receiver spreads work over several workers). */
  answerDelayMs = 0;
  readonly requests: ReceivedRequest[] = [];
  readonly accepted = new Map<string, number>();
  readonly held: http.ServerResponse[] = [];
  private server: http.Server;
  port = 0;

  constructor() {
    this.server = this.makeServer();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Listens on a port the OS picks, or on the one it had before (coming back after down()). */
  async up(): Promise<this> {
    if (this.server.listening) return this;
    this.server = this.makeServer();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and cuts every connection: senders now get ECONNREFUSED. */
  async down(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    this.held.length = 0;
  }

  /** Answers every held request 200 (and counts them accepted). */
  releaseHeld(): void {
    for (const res of this.held.splice(0)) this.answer(res, 200, res.req.headers['x-tessera-message-id'] as string);
  }

  totalAccepted(): number {
    let n = 0;
    for (const c of this.accepted.values()) n += c;
    return n;
  }

  private makeServer(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['x-tessera-message-id'] ?? '');
        this.requests.push({ id, idempotencyKey: String(req.headers['idempotency-key'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        const mode = this.mode;
        if (mode === 'hold') return void this.held.push(res);
        const status = { accept: 200, fail: 503, throttle: 429, reject: 400, redirect: 302 }[mode];
        if (this.answerDelayMs > 0) setTimeout(() => this.answer(res, status, id), this.answerDelayMs);
        else this.answer(res, status, id);
      });
    });
  }

  private answer(res: http.ServerResponse, status: number, id: string) {
    if (res.destroyed) return;
    if (status === 200) this.accepted.set(id, (this.accepted.get(id) ?? 0) + 1);
    res.writeHead(status, { 'content-type': 'text/plain', ...(status === 302 ? { location: this.url } : {}) }).end(status === 200 ? 'ok' : 'no');
  }
}
