import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { ID, Users } from 'node-appwrite';
import { API_ROUTES } from '../../src/app.ts';
import type { RouteMeta } from '../../src/http/route.ts';
import type { AbuseRule } from '../../src/rate-limits/rate-limits.ts';
import type { Container } from '../../src/container.ts';
import { describeEachBackend, FakeClock, startServer, type TestServer } from '../harness.ts';

interface LimitedRoute {
  method: string;
  url: string;
  scope: string[];
  rules: AbuseRule[];
}

/** Every route with an abuse rule, read from the routes' own metadata, so a new route is covered without editing this file. */
async function limitedRoutes(): Promise<LimitedRoute[]> {
  const app = Fastify();
  app.setValidatorCompiler(() => () => true); // only the metadata is read; nothing is served
  const found: LimitedRoute[] = [];
  app.addHook('onRoute', (opts) => {
    const meta = (opts.config as { meta?: RouteMeta } | undefined)?.meta;
    if (!meta?.abuse?.length) return;
    // HEAD is Fastify's automatic twin of a GET route (same handler and limits), with no body to read.
    for (const method of [opts.method].flat().filter((m) => m !== 'HEAD')) {
      found.push({ method, url: opts.url, scope: [meta.scope ?? []].flat(), rules: meta.abuse });
    }
  });
  // Route plugins use the container only inside handlers, which never run here.
  for (const routes of API_ROUTES) await app.register(routes({} as Container), { prefix: '/v1' });
  await app.ready();
  await app.close();
  return found;
}

const ROUTES = await limitedRoutes();

describeEachBackend('abuse limits of every route', (backend) => {
  let t: TestServer;
  const clock = FakeClock.atHourStart();
  let userId: string;
  before(async () => {
    t = await startServer(backend, { clock, env: { TESSERA_TRUST_PROXY: '127.0.0.1' } });
    userId = (await new Users(t.server()).create({ userId: ID.unique(), email: 'limited@example.com', password: 'limited-password-1' })).$id;
  });
  after(async () => t?.close());

  it('the table holds the routes the security review names', () => {
    const names = ROUTES.map((r) => `${r.method} ${r.url}`);
    for (const name of [
      'POST /v1/account/sessions/token', 'PUT /v1/account/sessions/magic-url', 'PUT /v1/account/sessions/phone', 'POST /v1/account/sessions/email',
      'PATCH /v1/account/password', 'PATCH /v1/account/email', 'PATCH /v1/account/phone', 'POST /v1/account/jwts', 'PATCH /v1/account/sessions/:sessionId',
    ]) {
      assert.ok(names.includes(name), `${name} has an abuse rule`);
    }
  });

  it('a stolen session gets 10 current-password guesses an hour across PATCH /account/password, /email and /phone, from any number of addresses', async () => {
    clock.advance(2 * 3600_000);
    const users = new Users(t.server());
    const victim = await users.create({ userId: ID.unique(), email: 'stolen@example.com', password: 'the-real-password' });
    const { secret } = await users.createSession({ userId: victim.$id });
    const attempts = [
      ['/account/password', { password: 'new-password-123', oldPassword: 'guess' }],
      ['/account/email', { email: 'attacker@example.com', password: 'guess-guess' }],
      ['/account/phone', { phone: '+14155550199', password: 'guess-guess' }],
    ] as const;
    const attempt = (i: number, password?: string) => {
      const [path, body] = attempts[i % 3];
      const json = password ? { ...body, password, oldPassword: password } : body;
      return t.fetch(path, { method: 'PATCH', headers: { 'x-appwrite-session': secret, 'x-forwarded-for': `203.0.113.${i + 1}` }, json });
    };
    for (let i = 0; i < 10; i++) {
      const res = await attempt(i);
      assert.deepEqual([res.status, (await res.json()).type], [401, 'user_invalid_credentials'], `guess ${i + 1}`);
    }
    const limited = await attempt(10, 'the-real-password');
    assert.deepEqual([limited.status, (await limited.json()).type], [429, 'general_rate_limit_exceeded']);
    const row = await t.container.db.selectFrom('users').select(['email', 'phone', 'password_update']).where('id', '=', victim.$id).executeTakeFirstOrThrow();
    assert.deepEqual([row.email, row.phone], ['stolen@example.com', null], 'nothing changed');
  });

  for (const route of ROUTES) {
    const limit = Math.min(...route.rules.map((r) => r.limit));
    it(`${route.method} ${route.url} answers 429 general_rate_limit_exceeded past ${limit}, with X-RateLimit-* headers`, () => pushPastLimit(route));
  }

  /**
   * Sends the route its limit of requests and one more, from one client, with an empty body: the
   * abuse count comes before param validation, so invalid requests count and change nothing.
   * Routes for a signed-in user (account, teams) get a JWT bound to no session, so even their successes
   * (DELETE /account/sessions) leave the caller able to go on.
   */
  async function pushPastLimit(route: LimitedRoute) {
    clock.advance(2 * 3600_000); // a fresh window for every rule
    const headers: Record<string, string> = {};
    if (route.scope.some((s) => s === 'account' || s.startsWith('teams.'))) headers['x-appwrite-jwt'] = (await new Users(t.server()).createJWT({ userId, duration: 3600 })).jwt;
    const path = route.url.replace(/^\/v1/, '').replace(/:[A-Za-z]+/g, 'missing-id');
    // GET routes (the OAuth2 browser routes) carry no body.
    const send = () => t.fetch(path, { method: route.method, headers, json: route.method === 'GET' ? undefined : {} });
    const tightest = route.rules.reduce((a, b) => (b.limit < a.limit ? b : a));
    const nowS = Math.floor(clock.now() / 1000);
    const reset = String(Math.floor(nowS / tightest.period) * tightest.period + tightest.period);
    const name = `${route.method} ${route.url}`;
    for (let i = 0; i < tightest.limit; i++) {
      const res = await send();
      await res.arrayBuffer();
      assert.notEqual(res.status, 429, `${name}: request ${i + 1} of ${tightest.limit} is within the limit`);
      assert.notEqual(res.status, 500, `${name}: request ${i + 1}`);
      assert.equal(res.headers.get('x-ratelimit-limit'), String(tightest.limit), name);
      assert.equal(res.headers.get('x-ratelimit-remaining'), String(tightest.limit - i - 1), `${name}: request ${i + 1}`);
    }
    const limited = await send();
    const body = await limited.json();
    assert.deepEqual([limited.status, body.type], [429, 'general_rate_limit_exceeded'], name);
    assert.equal(limited.headers.get('x-ratelimit-limit'), String(tightest.limit), name);
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0', name);
    assert.equal(limited.headers.get('x-ratelimit-reset'), reset, name);
  }
});
