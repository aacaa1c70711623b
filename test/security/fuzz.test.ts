import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../harness.ts';

const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 150);

/** Strings that tend to break things: NUL, lone surrogates, SQL and JSON syntax, the magic id, long text. */
const nasty = fc.constantFrom(
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '💥', 'unique()', "' or 1=1--", '%00', '../..', '{}', '[]', 'null',
  '__proto__', 'constructor', 'x'.repeat(300), 'é'.repeat(700), '+12065550100', 'a@b.co', 'standard_', '\r\n',
);
const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), nasty);
const anyValue = fc.oneof(anyString, fc.anything({ maxDepth: 2, maxKeys: 5 }), fc.constant(null), fc.integer(), fc.double());
/** A field is mostly plausible, sometimes anything at all, sometimes absent (fc.record's requiredKeys: []). */
const field = (plausible: fc.Arbitrary<unknown>) => fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 2, arbitrary: anyValue });

const email = fc.oneof(fc.emailAddress(), fc.constantFrom('fuzz@example.com', 'FUZZ@Example.com'));
const password = fc.oneof(fc.string({ minLength: 8, maxLength: 40 }), fc.constant('fuzz-password-1'));
const customId = fc.oneof(fc.constant('unique()'), fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,40}$/));

/** A JSON request body: arbitrary JSON text, any value serialised, or a near-valid object for the route. */
function body(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const shaped = fc.record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, field(a)])), { requiredKeys: [] });
  return fc.oneof(
    fc.json({ maxDepth: 3 }),
    fc.anything({ maxDepth: 3, maxKeys: 6 }).map((v) => JSON.stringify(v) ?? ''),
    { weight: 4, arbitrary: shaped.map((v) => JSON.stringify(v)) },
  );
}

/** Percent-encodes every UTF-8 byte, so lone surrogates and NULs reach the server instead of throwing here. */
function encodeBytes(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('');
}

const query = fc.oneof(
  anyString,
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        method: fc.oneof(
          fc.constantFrom('equal', 'notEqual', 'limit', 'offset', 'cursorAfter', 'cursorBefore', 'orderAsc', 'orderDesc', 'search',
            'between', 'and', 'or', 'contains', 'isNull', 'startsWith', 'lessThan', 'select', 'orderRandom'),
          anyString,
        ),
        attribute: fc.oneof(
          fc.constantFrom('email', 'name', 'phone', 'labels', '$id', '$createdAt', '$sequence', 'status', 'registration', 'accessedAt', 'password',
            'constructor', '__proto__', 'toString'),
          anyString,
        ),
        values: fc.oneof(fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), anyString, fc.constantFrom(1.5, 1e300, -1, 2 ** 63, true)), { maxLength: 4 }), anyValue),
      },
      { requiredKeys: [] },
    )
    .map((q) => JSON.stringify(q)),
);

describeEachBackend('fuzzed requests never cause a server error', (backend) => {
  let t: TestServer;
  let userId: string;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    userId = (await new Users(t.server()).create({ userId: ID.unique(), email: 'fuzz@example.com', password: 'fuzz-password-1' })).$id;
  });
  after(async () => t?.close());

  async function send(method: string, path: string, opts: { body?: string; key?: boolean; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.key) headers['x-appwrite-key'] = t.apiKey;
    const res = await t.fetch(path, { method, headers, body: opts.body });
    const text = await res.text();
    const what = `${method} ${path.slice(0, 200)} ${opts.body?.slice(0, 300) ?? ''} → ${res.status} ${text.slice(0, 300)}`;
    assert.ok(res.status < 500, what);
    // 431: the URL outgrew Node's header limit, answered by the HTTP layer before the app.
    if (res.status >= 400 && res.status !== 431) {
      const err = JSON.parse(text);
      assert.equal(typeof err.type, 'string', what);
      assert.equal(err.code, res.status, what);
    }
    return res.status;
  }

  const property = <T>(arb: fc.Arbitrary<T>, run: (v: T) => Promise<unknown>) =>
    fc.assert(fc.asyncProperty(arb, async (v) => void (await run(v))), { numRuns: RUNS });

  it('POST /v1/account', () =>
    property(body({ userId: customId, email, password, name: anyString }), (b) => send('POST', '/account', { body: b })));

  it('POST /v1/account/sessions/email', () =>
    property(body({ email, password }), (b) => send('POST', '/account/sessions/email', { body: b })));

  it('POST /v1/account/sessions/token', () =>
    property(body({ userId: fc.oneof(customId, fc.constant(''), fc.constant('__USER__')), secret: fc.oneof(fc.stringMatching(/^[0-9a-f]{0,10}$/), anyString) }), (b) =>
      send('POST', '/account/sessions/token', { body: b.replace('"__USER__"', JSON.stringify(userId)) }),
    ));

  it('POST /v1/users with a key', () =>
    property(body({ userId: customId, email, phone: fc.oneof(fc.stringMatching(/^\+[1-9]\d{5,14}$/), anyString), password, name: anyString }), (b) =>
      send('POST', '/users', { body: b, key: true }),
    ));

  it('PATCH /v1/users/{id}/prefs', () =>
    property(body({ prefs: fc.oneof(fc.dictionary(anyString, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }), fc.object({ maxDepth: 3 })) }), (b) =>
      send('PATCH', `/users/${userId}/prefs`, { body: b, key: true }),
    ));

  it('PUT /v1/users/{id}/labels', () =>
    property(body({ labels: fc.array(fc.oneof(fc.stringMatching(/^[a-zA-Z0-9]{1,40}$/), anyValue), { maxLength: 6 }) }), (b) =>
      send('PUT', `/users/${userId}/labels`, { body: b, key: true }),
    ));

  it('GET /v1/users?queries[]=…', () =>
    property(fc.tuple(fc.array(query, { minLength: 1, maxLength: 3 }), fc.option(anyString, { nil: undefined })), ([queries, search]) => {
      const qs = queries.map((q, i) => `queries[${i}]=${encodeBytes(q)}`);
      if (search !== undefined) qs.push(`search=${encodeBytes(search)}`);
      return send('GET', `/users?${qs.join('&')}`, { key: true });
    }));

  it('GET /v1/account with random credentials headers', () => {
    const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 120 });
    const credentials = fc.record(
      {
        'x-appwrite-session': fc.oneof(headerText, anyString.map((s) => Buffer.from(s).toString('base64')),
          fc.record({ id: anyValue, secret: anyValue }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64'))),
        'x-appwrite-jwt': fc.oneof(headerText, fc.constant('eyJhbGciOiJub25lIn0.eyJ1c2VySWQiOiJ4In0.')),
        'x-appwrite-key': fc.oneof(headerText, fc.constant('standard_'), fc.constant('ephemeral_x.y.z')),
        'x-fallback-cookies': fc.oneof(headerText, fc.json({ maxDepth: 2 }).filter((j) => /^[\x20-\x7e]*$/.test(j))),
        cookie: headerText.map((v) => `a_session_default=${v}`),
        origin: fc.oneof(headerText, fc.webUrl()),
      },
      { requiredKeys: [] },
    );
    return property(credentials, (headers) => send('GET', '/account', { headers }));
  });

  it('any project named by the `project` param or the header', () =>
    property(fc.tuple(anyString, fc.constantFrom('/account', '/users', '/account/sessions/anonymous')), ([project, path]) => {
      const method = path.endsWith('anonymous') ? 'POST' : 'GET';
      return send(method, `${path}?project=${encodeBytes(project)}`, { headers: { 'x-appwrite-project': '' }, body: method === 'POST' ? '{}' : undefined });
    }));

  it('still answers /v1/health/version afterwards', async () => {
    const res = await t.fetch('/health/version');
    assert.equal(res.status, 200);
    assert.equal(typeof (await res.json()).version, 'string');
  });
});
