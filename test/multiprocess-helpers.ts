import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { TEST_SERVER_KEY } from './harness.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles src/main.ts as `npm start` does, but into a private folder under node_modules/.cache (so
 * dependencies still resolve from the checkout, and dist/ is left alone).
 */
export async function bundleServer(): Promise<{ mainJs: string; remove(): void }> {
  const outdir = path.join(ROOT, 'node_modules', '.cache', `tessera-multiprocess-${randomBytes(4).toString('hex')}`);
  await build({
    entryPoints: { main: path.join(ROOT, 'src/main.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return { mainJs: path.join(outdir, 'main.js'), remove: () => fs.rmSync(outdir, { recursive: true, force: true }) };
}

export interface ServerProcess {
  name: string;
  pid: number;
  endpoint: string;
  dataDir: string;
  /** The default API key file this process wrote on first start, or null when it did not bootstrap. */
  keyFile: string | null;
  /** The last lines the process logged (for failure messages). */
  logTail(): string;
  stop(): Promise<void>;
  /** kill -9, then wait until it is gone: a crash with work in flight. */
  kill(): Promise<void>;
}

/** The runner's environment without TESSERA_* settings (a stray TESSERA_JWT_SECRET would hide a bug). */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
}

const running = new Set<ChildProcess>();
// A failed or interrupted test run must not leave servers behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts the bundled server on a port the OS picks, with its own data dir, and resolves when it logs
 * that it listens. Rejects (and kills it) if it exits or is not up within `timeoutMs`.
 */
export function spawnServer(name: string, mainJs: string, env: Record<string, string>, timeoutMs = 20_000): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tessera-mp-${name}-`));
  // The server runs behind a two-line launcher that exits when its stdin closes: if this test
  // process dies in any way (even SIGKILL or a runner timeout), its servers go with it.
  const launcher = `process.stdin.on('end', () => process.exit(1)).resume(); await import(${JSON.stringify(pathToFileURL(mainJs).href)});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', launcher], {
    cwd: ROOT,
    env: { ...inheritedEnv(), TESSERA_PORT: '0', TESSERA_HOST: '127.0.0.1', TESSERA_DATA_DIR: dataDir, TESSERA_SECRET_KEY: TEST_SERVER_KEY, TESSERA_LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  let keyFile: string | null = null;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  return new Promise<ServerProcess>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${name}: ${why}\n${tail.join('\n')}`)));
    };
    const timer = setTimeout(() => fail(`not listening after ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach(remember));
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        remember(line);
        let entry: { msg?: string; keyFile?: string };
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (entry.keyFile) keyFile = entry.keyFile;
        const listening = /Tessera listening on (http:\/\/\S+\/v1)/.exec(entry.msg ?? '');
        if (listening && !settled) {
          settled = true;
          clearTimeout(timer);
          const kill = () => {
            process.kill(child.pid!, 'SIGKILL');
            return stop();
          };
          resolve({ name, pid: child.pid!, endpoint: listening[1], dataDir, keyFile, logTail: () => tail.join('\n'), stop, kill });
        }
      }
    });
  });
}

/** Reads the API key secret a bootstrapping process wrote. */
export function readKeySecret(keyFile: string): string {
  return (JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { secret: string }).secret;
}
