// The argon2id ceiling: how many verifications per second @node-rs/argon2 reaches here with
// Tessera's parameters, with as many in flight as the libuv pool has threads.
import { hash, verify } from '@node-rs/argon2';

// Tessera's own parameters (src/passwords/passwords.ts), handed over by bench/run.ts.
const opts = JSON.parse(process.env.ARGON2_OPTIONS ?? 'null');
if (!opts) throw new Error('ARGON2_OPTIONS (JSON) is not set: run this through npm run bench');
const seconds = Number(process.argv[2] || 10);
const concurrency = Number(process.argv[3] || 4);
const mode = process.argv[4] || 'verify';
const stored = await hash('correct horse battery', opts);
let done = 0;
const end = Date.now() + seconds * 1000;
async function worker() {
  while (Date.now() < end) {
    if (mode === 'verify') await verify(stored, 'correct horse battery');
    else await hash('correct horse battery', opts);
    done++;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const cpu = process.cpuUsage();
// cpuMs: CPU time of the whole process (all threads) per hash.
process.stdout.write(JSON.stringify({ perSecond: done / seconds, cpuMs: (cpu.user + cpu.system) / 1000 / done }) + '\n');
