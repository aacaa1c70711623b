import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * phpass's MD5 chain off the event loop. node:crypto has no asynchronous MD5, and an imported
 * 2^16-round hash costs ~100 ms of CPU, so the rounds run in worker threads. The worker is plain
 * JavaScript given as source (eval), so the esbuild bundle in dist/ needs no second entry point.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, plain, salt, rounds }) => {
  const password = Buffer.from(plain, 'utf8');
  let digest = createHash('md5').update(salt, 'utf8').update(password).digest();
  for (let i = 0; i < rounds; i++) digest = createHash('md5').update(digest).update(password).digest();
  parentPort.postMessage({ id, digest });
});
`;

interface Job {
  id: number;
  plain: string;
  salt: string;
  rounds: number;
  resolve: (digest: Buffer) => void;
  reject: (error: Error) => void;
}

/** A few workers, started on first use and unref'd: an idle pool never keeps the process alive. */
class Md5ChainPool {
  private readonly size = Math.max(1, Math.min(2, availableParallelism() - 1));
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 0;

  run(plain: string, salt: string, rounds: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, plain, salt, rounds, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.busy.size < this.size ? this.spawn() : null);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, plain: job.plain, salt: job.salt, rounds: job.rounds });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], env: {} });
    worker.on('message', (msg: { id: number; digest: Uint8Array }) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (job && job.id === msg.id) job.resolve(Buffer.from(msg.digest));
      this.dispatch();
    });
    // A crashed worker fails its job only; the next job starts a fresh one.
    const fail = (error: Error) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      job?.reject(error);
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`phpass worker exited with code ${code}`)));
    return worker;
  }
}

let pool: Md5ChainPool | null = null;

/** md5(salt + plain), then `rounds` times md5(previous + plain), computed in a worker thread. */
export function md5Chain(plain: string, salt: string, rounds: number): Promise<Buffer> {
  pool ??= new Md5ChainPool();
  return pool.run(plain, salt, rounds);
}
