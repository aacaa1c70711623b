import assert from 'node:assert/strict';
import { describe } from 'node:test';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { Client } from 'node-appwrite';
import { loadConfig } from '../src/config.ts';
import { createContainer, type Container } from '../src/container.ts';
import { buildApp } from '../src/app.ts';
import { bootstrapDefaultProject } from '../src/projects/bootstrap.ts';
import type { Clock } from '../src/support/clock.ts';
import type { AuthSettings } from '../src/projects/projects.ts';
import { event } from '../src/events/events.ts';
import { EventBus } from '../src/events/bus.ts';
import { EventRelay } from '../src/events/relay.ts';
import { SessionCache } from '../src/sessions/session-cache.ts';

export type Backend = 'sqlite' | 'postgres';

/** Backends every API test runs on; TESSERA_TEST_BACKENDS=sqlite narrows it (the Node 24 run). */
export function backends(): Backend[] {
  const raw = process.env.TESSERA_TEST_BACKENDS ?? 'sqlite,postgres';
  return raw.split(',').map((s) => s.trim()).filter(Boolean) as Backend[];
}

export const POSTGRES_ADMIN_URL = process.env.TESSERA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * One server key for every process a test file starts: processes sharing a database must share it
 * (each opens what the others sealed), as a deployment's processes do.
 */
export const TEST_SERVER_KEY = randomBytes(32).toString('base64');

/** A clock tests can move forward. */
export class FakeClock implements Clock {
  constructor(private t = Date.now()) {}

  /**
   * A clock one minute into the current hour: abuse counters use windows aligned to the hour, so a
   * test starting at the real time could see its counts reset when it crosses a boundary.
   */
  static atHourStart(): FakeClock {
    return new FakeClock(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 60_000);
  }
  now() {
    return this.t;
  }
  advance(ms: number) {
    this.t += ms;
  }
}

export interface TestServer {
  backend: Backend;
  endpoint: string;
  projectId: string;
  apiKey: string;
  container: Container;
  databaseUrl: string;
  /** The server key (TESSERA_SECRET_KEY) this server runs with; peers on its database need the same. */
  secretKey: string;
  /** node-appwrite client holding the full-scope API key. */
  server(): Client;
  /** node-appwrite client without credentials. */
  guest(): Client;
  /** node-appwrite client acting with a session secret (cookie value). */
  withSession(secret: string): Client;
  withJwt(jwt: string): Client;
  /** Raw HTTP against /v1 with the project header set. */
  fetch(pathname: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /**
   * Merges into the project's auth settings (there is no policies API yet): written to the row,
   * then the cached project dropped. restoreSettings() puts back what the project started with.
   */
  setAuths(patch: Partial<AuthSettings>): Promise<void>;
  restoreSettings(): Promise<void>;
  close(): Promise<void>;
}

/** Creates an empty database for one test file: a temp SQLite file, or a fresh PostgreSQL database. */
export async function freshDatabaseUrl(backend: Backend): Promise<{ url: string; dataDir: string; drop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-test-'));
  if (backend === 'sqlite') {
    return { url: `sqlite:${path.join(dataDir, 'tessera.db')}`, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `tessera_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(POSTGRES_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    dataDir,
    drop: async () => {
      const a = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startServer(backend: Backend, opts: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestServer> {
  const db = await freshDatabaseUrl(backend);
  const secretKey = TEST_SERVER_KEY;
  const config = loadConfig({
    TESSERA_DATABASE_URL: db.url,
    TESSERA_DATA_DIR: db.dataDir,
    TESSERA_PORT: '0',
    TESSERA_HOST: '127.0.0.1',
    TESSERA_SECRET_KEY: TEST_SERVER_KEY,
    ...opts.env,
  });
  const container = await createContainer(config, { clock: opts.clock, logger: pino({ level: process.env.TESSERA_TEST_LOG ?? 'silent' }) });
  const boot = await bootstrapDefaultProject(container);
  const apiKey = JSON.parse(fs.readFileSync(boot!.keyFile, 'utf8')).secret as string;
  const app = await buildApp(container);
  await app.listen({ port: 0, host: '127.0.0.1' });
  // Mail, SMS and webhooks leave through the outbox, as in main.ts.
  container.outbox.start();
  const port = (app.server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}/v1`;
  const projectId = 'default';
  const base = () => new Client().setEndpoint(endpoint).setProject(projectId);
  const settingsRow = () => container.db.selectFrom('projects').select('settings').where('id', '=', projectId).executeTakeFirstOrThrow();
  const writeSettings = async (settings: string) => {
    await container.db.updateTable('projects').set({ settings }).where('id', '=', projectId).execute();
    await projectChanged(container, projectId);
  };
  const initialSettings = (await settingsRow()).settings;
  return {
    backend,
    endpoint,
    projectId,
    apiKey,
    container,
    databaseUrl: db.url,
    secretKey,
    server: () => base().setKey(apiKey),
    guest: () => base(),
    withSession: (secret) => base().setSession(secret),
    withJwt: (jwt) => base().setJWT(jwt),
    fetch: (pathname, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has('x-appwrite-project')) headers.set('x-appwrite-project', projectId);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(endpoint + pathname, { ...init, headers, body });
    },
    setAuths: async (patch) => {
      const settings = JSON.parse((await settingsRow()).settings);
      settings.auths = { ...settings.auths, ...patch };
      await writeSettings(JSON.stringify(settings));
    },
    restoreSettings: () => writeSettings(initialSettings),
    close: async () => {
      await app.close();
      await container.close();
      await db.drop();
    },
  };
}

/** Runs `fn` and returns the AppwriteException it throws (fails if it does not throw). */
/** Asserts that the call fails with this HTTP code and Appwrite type (and message, when given); returns the error. */
export async function expectError(p: Promise<unknown>, code: number, type: string, message?: RegExp | string) {
  const err = await rejection(p);
  assert.deepEqual([err.code, err.type], [code, type], err.message);
  if (typeof message === 'string') assert.equal(err.message, message);
  else if (message) assert.match(err.message, message);
  return err;
}

export async function rejection(p: Promise<unknown>): Promise<{ code: number; type: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: number; type: string; message: string };
  }
  throw new Error('expected the call to fail');
}

/** Polls `probe` until it returns `want` or `ms` pass; returns the last value. */
export async function eventually<T>(probe: () => Promise<T>, want: T, ms = 2_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await probe();
  while (last !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    last = await probe();
  }
  return last;
}

/** After a test wrote a project's row by hand: the event a settings change publishes, so caches reload. */
export function projectChanged(container: Container, projectId: string): Promise<void> {
  return container.events.committed([event('projects.[projectId].update', projectId, { projectId })]);
}

/** After a test wrote a user's row by hand: the event such a change publishes, so cached callers go. */
export function userChanged(container: Container, projectId: string, userId: string): Promise<void> {
  return container.events.committed([event('users.[userId].update.status', projectId, { userId })]);
}

/** A session cache on a bus of its own, with no database (unit tests of the cache). */
export function standaloneCache(limit?: number, maxBytes?: number, clock: Clock = new FakeClock()) {
  const bus = new EventBus(null as never, new EventRelay(null));
  const cache = new SessionCache(bus, { live: true }, clock, limit, maxBytes);
  const userEvent = (projectId: string, userId: string) => bus.committed([event('users.[userId].update.status', projectId, { userId })]);
  return { bus, cache, userEvent };
}

export interface PeerProcess {
  container: Container;
  endpoint: string;
  /** GET /account on this process with the session value; the HTTP status and Appwrite type ('' on success). */
  account(secret: string): Promise<{ status: number; type: string }>;
  close(): Promise<void>;
}

/**
 * A second Tessera process on the same database as `t` (what a PostgreSQL deployment runs N of), in
 * this test process: its own container, caches and LISTEN connection, and its own HTTP server.
 */
export async function startPeer(t: TestServer, opts: { clock?: Clock } = {}): Promise<PeerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-peer-'));
  const config = loadConfig({ TESSERA_DATABASE_URL: t.databaseUrl, TESSERA_DATA_DIR: dataDir, TESSERA_PORT: '0', TESSERA_HOST: '127.0.0.1', TESSERA_SECRET_KEY: t.secretKey });
  const container = await createContainer(config, { clock: opts.clock, logger: pino({ level: process.env.TESSERA_TEST_LOG ?? 'silent' }) });
  const app = await buildApp(container);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
  return {
    container,
    endpoint,
    account: async (secret) => {
      const res = await fetch(`${endpoint}/account`, { headers: { 'x-appwrite-project': t.projectId, 'x-appwrite-session': secret } });
      const body = (await res.json()) as { type?: string };
      return { status: res.status, type: res.ok ? '' : (body.type ?? '') };
    },
    close: async () => {
      await app.close();
      await container.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs a suite once per backend (`TESSERA_TEST_BACKENDS`), named `<title> [<backend>]`. */
export function describeEachBackend(title: string, suite: (backend: Backend) => void): void {
  for (const backend of backends()) describe(`${title} [${backend}]`, () => suite(backend));
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

/**
 * One raw HTTP exchange with the server, without fetch's normalising: Host, paths and bodies are
 * exactly what the test says. `path` is the full path (`/v1/…`).
 */
export function rawHttp(endpoint: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, agent: false, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface CapturedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Header X-Tessera-Message-Id: the outbox message id (one per queued mail, stable across retries). */
  messageId: string;
}

/**
 * A real SMTP server (smtp-server) that keeps every mail it accepts. Start a Tessera server with
 * `env: { TESSERA_SMTP_URL: mail.url }`. `stop()` / `restart()` take it down and back on the same port
 * (an outage); tests read links and codes with linkIn/codeIn rather than relying on template wording.
 */
export interface MailCatcher {
  url: string;
  port: number;
  messages: CapturedMail[];
  /** The first captured mail (from now on or already there) to `to` matching `filter`; fails after `ms`. */
  waitFor(to: string, filter?: (m: CapturedMail) => boolean, ms?: number): Promise<CapturedMail>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startMailCatcher(): Promise<MailCatcher> {
  const { SMTPServer } = await import('smtp-server');
  const { simpleParser } = await import('mailparser');
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        simpleParser(stream)
          .then((m) => {
            const addresses = (a: unknown) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((x: any) => x.value.map((v: any) => String(v.address).toLowerCase()));
            messages.push({
              from: addresses(m.from).join(','),
              to: addresses(m.to),
              subject: m.subject ?? '',
              text: m.text ?? '',
              html: typeof m.html === 'string' ? m.html : '',
              messageId: String(m.headers.get('x-tessera-message-id') ?? ''),
            });
            for (const w of waiters) w();
            done();
          })
          .catch(done);
      },
    });
  let server = make();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const find = (to: string, filter?: (m: CapturedMail) => boolean) => messages.find((m) => m.to.includes(to.toLowerCase()) && (!filter || filter(m)));
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(to, filter, ms = 5_000) {
      const hit = find(to, filter);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = find(to, filter);
          if (!m) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail to ${to} within ${ms} ms (captured: ${messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none'})`));
        }, ms);
        waiters.add(check);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async restart() {
      server = make();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first URL in a mail's text (a verification, recovery, magic-URL or invitation link). */
export function linkIn(mail: CapturedMail): URL {
  const m = /https?:\/\/[^\s"'<>]+/.exec(mail.text);
  if (!m) throw new Error(`no link in mail "${mail.subject}": ${mail.text.slice(0, 300)}`);
  return new URL(m[0]);
}

/** The first 6-digit code in a mail's text (email OTP, MFA challenge). */
export function codeIn(mail: CapturedMail): string {
  const m = /\b(\d{6})\b/.exec(mail.text);
  if (!m) throw new Error(`no 6-digit code in mail "${mail.subject}": ${mail.text.slice(0, 300)}`);
  return m[1];
}

export interface CapturedSms {
  to: string;
  from: string;
  text: string;
  /** Header X-Tessera-Message-Id: the outbox message id. */
  messageId: string;
}

/**
 * A local HTTP receiver standing in for the SMS webhook provider: start a server with
 * `env: { TESSERA_SMS_WEBHOOK_URL: sms.url }`; read codes with `codeInSms`.
 */
export interface SmsReceiver {
  url: string;
  messages: CapturedSms[];
  waitFor(to: string, filter?: (m: CapturedSms) => boolean, ms?: number): Promise<CapturedSms>;
  close(): Promise<void>;
}

export async function startSmsReceiver(): Promise<SmsReceiver> {
  const messages: CapturedSms[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        messages.push({ to: String(body.to), from: String(body.from ?? ''), text: String(body.text ?? ''), messageId: String(req.headers['x-tessera-message-id'] ?? '') });
        res.writeHead(200).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    messages,
    async waitFor(to, filter, ms = 5_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = messages.find((m) => m.to === to && (!filter || filter(m)));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no SMS to ${to} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The first 6-digit code in an SMS. */
export function codeInSms(sms: CapturedSms): string {
  const m = /\b(\d{6})\b/.exec(sms.text);
  if (!m) throw new Error(`no 6-digit code in SMS: ${sms.text}`);
  return m[1];
}
