import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Project, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../../harness.ts';

/**
 * Response models against Appwrite's source: field order as Response::output walks the model rules
 * (src/Appwrite/Utopia/Response.php:520-610), and the twelve device fields Appwrite's Detector
 * (src/Appwrite/Detector/Detector.php, utopia-php/user-agent) reads from the User-Agent.
 */

const DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;
/** Session.php:13-188, in order. */
const SESSION_ORDER = [
  '$id', '$createdAt', '$updatedAt', 'userId', 'expire', 'provider', 'providerUid', 'providerAccessToken',
  'providerAccessTokenExpiry', 'providerRefreshToken', 'ip', 'osCode', 'osName', 'osVersion', 'clientType', 'clientCode',
  'clientName', 'clientVersion', 'clientEngine', 'clientEngineVersion', 'deviceName', 'deviceBrand', 'deviceModel',
  'countryCode', 'countryName', 'current', 'factors', 'secret', 'mfaUpdatedAt',
];
const DEVICE_FIELDS = SESSION_ORDER.slice(11, 23);
/** Account.php:14-158, in order; User.php puts password, hash, hashOptions after name (User.php:32-67). */
const ACCOUNT_ORDER = [
  '$id', '$createdAt', '$updatedAt', 'name', 'registration', 'status', 'labels', 'passwordUpdate', 'email', 'phone',
  'emailVerification', 'emailCanonical', 'emailIsFree', 'emailIsDisposable', 'emailIsCorporate', 'emailIsCanonical',
  'phoneVerification', 'mfa', 'prefs', 'targets', 'accessedAt', 'impersonator', 'impersonatorUserId',
];
const USER_ORDER = [...ACCOUNT_ORDER.slice(0, 4), 'password', 'hash', 'hashOptions', ...ACCOUNT_ORDER.slice(4)];
const TARGET_ORDER = ['$id', '$createdAt', '$updatedAt', 'name', 'userId', 'providerId', 'providerType', 'identifier', 'expired'];

type Device = Record<string, string>;
/** The twelve fields in Session.php order from a compact spec; unspecified fields are "". */
const device = (d: Partial<Device>): Device => Object.fromEntries(DEVICE_FIELDS.map((k) => [k, d[k] ?? '']));

/** Realistic agents and what Appwrite's detector makes of them (utopia-php/user-agent ClientDetector, OperatingSystemDetector, DeviceDetector). */
const AGENTS: [string, string, Device][] = [
  ['Chrome on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    device({ osCode: 'WIN', osName: 'Windows', osVersion: '10', clientType: 'browser', clientCode: 'CH', clientName: 'Chrome', clientVersion: '124.0', clientEngine: 'Blink', clientEngineVersion: '124.0.0.0', deviceName: 'desktop' })],
  ['Firefox on Windows 7', 'Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:47.0) Gecko/20100101 Firefox/47.0',
    device({ osCode: 'WIN', osName: 'Windows', osVersion: '7', clientType: 'browser', clientCode: 'FF', clientName: 'Firefox', clientVersion: '47.0', clientEngine: 'Gecko', clientEngineVersion: '47.0', deviceName: 'desktop' })],
  ['Firefox on Ubuntu', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    device({ osCode: 'UBT', osName: 'Ubuntu', clientType: 'browser', clientCode: 'FF', clientName: 'Firefox', clientVersion: '125.0', clientEngine: 'Gecko', clientEngineVersion: '125.0', deviceName: 'desktop' })],
  ['Safari on macOS', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    device({ osCode: 'MAC', osName: 'Mac', osVersion: '10.15', clientType: 'browser', clientCode: 'SF', clientName: 'Safari', clientVersion: '17.4.1', clientEngine: 'WebKit', clientEngineVersion: '605.1.15', deviceName: 'desktop', deviceBrand: 'Apple' })],
  ['Safari on iPhone', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    device({ osCode: 'IOS', osName: 'iOS', osVersion: '17.4', clientType: 'browser', clientCode: 'MF', clientName: 'Mobile Safari', clientVersion: '17.4', clientEngine: 'WebKit', clientEngineVersion: '605.1.15', deviceName: 'smartphone', deviceBrand: 'Apple', deviceModel: 'iPhone' })],
  ['Safari on iPad', 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    device({ osCode: 'IPA', osName: 'iPadOS', osVersion: '17.4', clientType: 'browser', clientCode: 'MF', clientName: 'Mobile Safari', clientVersion: '17.4', clientEngine: 'WebKit', clientEngineVersion: '605.1.15', deviceName: 'tablet', deviceBrand: 'Apple', deviceModel: 'iPad' })],
  ['Chrome on Android', 'Mozilla/5.0 (Linux; Android 13; Pixel 7 Pro Build/TQ3A.230805.001) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
    device({ osCode: 'AND', osName: 'Android', osVersion: '13', clientType: 'browser', clientCode: 'CM', clientName: 'Chrome Mobile', clientVersion: '120.0', clientEngine: 'Blink', clientEngineVersion: '120.0.0.0', deviceName: 'smartphone', deviceBrand: 'Google', deviceModel: 'Pixel 7 Pro' })],
  ['Edge on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/126.0.0.0',
    device({ osCode: 'WIN', osName: 'Windows', osVersion: '10', clientType: 'browser', clientCode: 'PS', clientName: 'Microsoft Edge', clientVersion: '126.0', clientEngine: 'Blink', clientEngineVersion: '124.0.0.0', deviceName: 'desktop' })],
  ['curl', 'curl/8.5.0', device({ clientType: 'library', clientName: 'curl', clientVersion: '8.5' })],
  ['the Appwrite CLI', 'AppwriteCLI/6.2.0 (linux; x64) node/20.0.0',
    device({ osCode: 'LIN', osName: 'GNU/Linux', clientType: 'desktop', clientCode: 'cli', clientName: 'Appwrite CLI', clientVersion: '6.2.0' })],
  ['an empty agent', '', device({})],
];

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

describeEachBackend('response models match Appwrite\'s', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  const anonymousAs = async (userAgent: string) => {
    const res = await t.fetch('/account/sessions/anonymous', { method: 'POST', headers: { 'user-agent': userAgent }, json: {} });
    assert.equal(res.status, 201);
    return (await res.json()) as Record<string, unknown>;
  };
  const storedAgent = async (sessionId: string) =>
    (await t.container.db.selectFrom('sessions').select('user_agent').where('id', '=', sessionId).executeTakeFirstOrThrow()).user_agent;

  describe('Session device fields from the User-Agent', () => {
    for (const [label, agent, expected] of AGENTS) {
      it(`${label}: the twelve device fields are Appwrite's`, async () => {
        const session = await anonymousAs(agent);
        assert.equal(await storedAgent(String(session.$id)), agent);
        assert.deepEqual(pick(session, DEVICE_FIELDS), expected);
      });
    }

    it("node-appwrite's own agent has no client or device; only a Linux host is recognised", async () => {
      const user = await users.create({ userId: ID.unique(), email: 'sdk-agent@example.com' });
      const session = await users.createSession({ userId: user.$id });
      const agent = await storedAgent(session.$id);
      assert.match(agent, /^AppwriteNodeJSSDK\/27\.\d+\.\d+ \(/);
      const os = process.platform === 'linux' ? { osCode: 'LIN', osName: 'GNU/Linux' } : {};
      assert.deepEqual(pick(session as unknown as Record<string, unknown>, DEVICE_FIELDS), device(os));
      // Lists re-read the same fields.
      const listed = (await users.listSessions({ userId: user.$id })).sessions[0];
      assert.deepEqual(pick(listed as unknown as Record<string, unknown>, DEVICE_FIELDS), device(os));
    });

    it('a key caller\'s X-Forwarded-User-Agent is the agent the fields are read from', async () => {
      const user = await users.create({ userId: ID.unique(), email: 'forwarded-agent@example.com' });
      const res = await t.fetch(`/users/${user.$id}/sessions`, {
        method: 'POST',
        headers: { 'x-appwrite-key': t.apiKey, 'user-agent': 'curl/8.5.0', 'x-forwarded-user-agent': AGENTS[4][1] },
        json: {},
      });
      assert.equal(res.status, 201);
      assert.deepEqual(pick(await res.json(), DEVICE_FIELDS), AGENTS[4][2]);
    });
  });

  describe('field order, dates and empty values on the wire', () => {
    it('a Session lists its fields in Appwrite order; no geo database gives "--" and "Unknown"', async () => {
      const session = await anonymousAs(AGENTS[0][1]);
      assert.deepEqual(Object.keys(session), SESSION_ORDER);
      for (const k of ['$createdAt', '$updatedAt', 'expire']) assert.match(String(session[k]), DATE, k);
      assert.deepEqual(
        pick(session, ['provider', 'providerUid', 'providerAccessToken', 'providerAccessTokenExpiry', 'providerRefreshToken', 'countryCode', 'countryName', 'current', 'factors', 'secret', 'mfaUpdatedAt']),
        { provider: 'anonymous', providerUid: '', providerAccessToken: '', providerAccessTokenExpiry: '', providerRefreshToken: '', countryCode: '--', countryName: 'Unknown', current: true, factors: ['anonymous'], secret: '', mfaUpdatedAt: '' },
      );
    });

    it('a User (Users API) puts password, hash, hashOptions after name and carries impersonatorUserId: null', async () => {
      const res = await t.fetch('/users', {
        method: 'POST',
        headers: { 'x-appwrite-key': t.apiKey },
        json: { userId: 'ordered', email: 'ordered@example.com', password: 'correct-horse-1', name: 'Ord' },
      });
      assert.equal(res.status, 201);
      const user = await res.json();
      assert.deepEqual(Object.keys(user), USER_ORDER);
      assert.equal(user.impersonatorUserId, null);
      assert.equal(user.hash, 'argon2');
      assert.deepEqual(Object.keys(user.targets[0]), TARGET_ORDER);
      assert.equal(user.targets[0].providerId, null, 'providerId is optional: null when unset (Target.php:43-49)');
      for (const k of ['$createdAt', '$updatedAt', 'registration', 'passwordUpdate']) assert.match(user[k], DATE, k);
      assert.equal(user.accessedAt, '', 'the Users API sets no accessedAt (Users/Base.php:116-137)');
      // Through node-appwrite too.
      assert.equal((await users.get({ userId: 'ordered' })).impersonatorUserId, null);
    });

    it('an Account has the User fields without the password ones, in order; unset strings and dates are ""', async () => {
      const { secret } = await new Account(t.server()).createEmailPasswordSession({ email: 'ordered@example.com', password: 'correct-horse-1' });
      const account = await (await t.fetch('/account', { headers: { 'x-appwrite-session': secret } })).json();
      assert.deepEqual(Object.keys(account), ACCOUNT_ORDER);
      assert.equal(account.impersonatorUserId, null);
      assert.equal((await new Account(t.withSession(secret)).get()).$id, 'ordered');
      const guest = await anonymousAs('curl/8.5.0');
      const anonymous = await users.get({ userId: String(guest.userId) });
      assert.deepEqual([anonymous.email, anonymous.phone, anonymous.passwordUpdate, anonymous.targets], ['', '', '', []]);
    });

    it('a Token lists $id, $createdAt, userId, secret, expire, phrase', async () => {
      const res = await t.fetch('/users/ordered/tokens', { method: 'POST', headers: { 'x-appwrite-key': t.apiKey }, json: {} });
      const token = await res.json();
      assert.deepEqual(Object.keys(token), ['$id', '$createdAt', 'userId', 'secret', 'expire', 'phrase']);
      assert.deepEqual([token.phrase, DATE.test(token.expire)], ['', true]);
    });

    it('lists put total before the plural key', async () => {
      const key = { 'x-appwrite-key': t.apiKey };
      for (const [path, name] of [['/users', 'users'], ['/users/ordered/sessions', 'sessions'], ['/users/ordered/targets', 'targets'], ['/project/platforms', 'platforms']]) {
        const body = await (await t.fetch(path, { headers: key })).json();
        assert.deepEqual(Object.keys(body), ['total', name], path);
      }
    });

    it('a web platform carries hostname and the legacy key; an app platform its identifier', async () => {
      const project = new Project(t.server());
      await project.createWebPlatform({ platformId: 'web-order', name: 'Web', hostname: 'order.example.com' });
      await project.createAndroidPlatform({ platformId: 'droid-order', name: 'Droid', applicationId: 'com.example.order' });
      const web = await (await t.fetch('/project/platforms/web-order', { headers: { 'x-appwrite-key': t.apiKey } })).json();
      assert.deepEqual(Object.keys(web), ['$id', '$createdAt', '$updatedAt', 'name', 'type', 'hostname', 'key']);
      assert.deepEqual([web.type, web.hostname, web.key], ['web', 'order.example.com', '']);
      const droid = await (await t.fetch('/project/platforms/droid-order', { headers: { 'x-appwrite-key': t.apiKey } })).json();
      assert.deepEqual(Object.keys(droid), ['$id', '$createdAt', '$updatedAt', 'name', 'type', 'applicationId']);
    });
  });
});
