import { it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Project, Teams, Users, Webhooks } from 'node-appwrite';
import { describeEachBackend, FakeClock, linkIn, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';
import { Receiver, seen } from './webhook-receiver.ts';

const PASSWORD = 'correct horse battery';
const HOUR = 3_600_000;
const TOKEN_FIELDS = ['$createdAt', '$id', 'expire', 'phrase', 'secret', 'userId'];
const TEAM_FIELDS = ['$createdAt', '$id', '$updatedAt', 'name', 'prefs', 'total'];
const MEMBERSHIP_FIELDS = ['$createdAt', '$id', '$updatedAt', 'confirm', 'invited', 'joined', 'mfa', 'roles', 'teamId', 'teamName', 'userAccessedAt', 'userEmail', 'userId', 'userName', 'userPhone'];

/**
 * The account flows and Teams as webhooks see them: real flows driven through node-appwrite, real
 * mail through a real SMTP catcher, deliveries to a real HTTP receiver. The test drains the outbox
 * itself (mail and webhooks alike), so what arrived is known when it looks.
 */
describeEachBackend('webhook deliveries of the account flows and teams', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  let receiver: Receiver;
  let webhooks: Webhooks;
  let users: Users;
  let clock: FakeClock;
  before(async () => {
    mail = await startMailCatcher();
    clock = new FakeClock(Date.parse('2026-06-01T12:00:00.000Z'));
    t = await startServer(backend, { clock, env: { TESSERA_SMTP_URL: mail.url, TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true', TESSERA_ABUSE_LIMITS: 'disabled' } });
    receiver = await new Receiver().up();
    webhooks = new Webhooks(t.server());
    users = new Users(t.server());
  });
  after(async () => {
    await receiver?.down();
    await t?.close();
    await mail?.close();
  });
  beforeEach(async () => {
    await receiver.up();
    await t.container.outbox.drain();
    for (const w of (await webhooks.list({})).webhooks) await webhooks.delete({ webhookId: w.$id });
  });

  const hook = (id: string, events: string[]) => webhooks.create({ webhookId: id, url: receiver.url, name: `hook ${id}`, events });
  /** Delivers everything due (mail and webhooks), after moving the clock past any backoff. */
  const deliver = async (advance = 0) => {
    clock.advance(advance);
    await t.container.outbox.drain();
  };

  /** A user with email and password, and an Account / Teams client on a session of theirs. */
  async function signedIn(label: string) {
    const email = `${label}-${ID.unique()}@example.com`.toLowerCase();
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD, name: label });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    return { user, email, account: new Account(t.withSession(session.secret)), teams: new Teams(t.withSession(session.secret)) };
  }

  it('email verification: the create carries the Token with the plain secret that confirms the email, then the update follows', async () => {
    const wh = await hook('verification', ['users.*.verification.*']);
    const me = await signedIn('vera');
    const token = await me.account.createEmailVerification({ url: 'http://localhost/verified' });
    assert.equal(token.secret, '', 'the HTTP response hides the secret');
    await deliver();
    const [created] = seen(receiver, wh.$id, wh.secret);
    const id = `users.${me.user.$id}.verification.${token.$id}`;
    assert.equal(created.event, `${id}.create`);
    assert.ok(created.signed);
    assert.equal(created.headers['x-appwrite-webhook-user-id'], me.user.$id);
    for (const name of [`users.*.verification.*.create`, `users.${me.user.$id}.verification.*`, `users.*.verification.${token.$id}`, `users.${me.user.$id}`, 'users.*']) {
      assert.ok(created.events.includes(name), name);
    }
    assert.deepEqual(Object.keys(created.payload).sort(), TOKEN_FIELDS);
    assert.deepEqual([created.payload.$id, created.payload.userId, created.payload.expire], [token.$id, me.user.$id, token.expire]);
    assert.match(created.payload.secret, /^[0-9a-f]{256}$/);
    assert.equal(linkIn(await mail.waitFor(me.email)).searchParams.get('secret'), created.payload.secret, 'the secret the mail links to');

    const done = await new Account(t.guest()).updateEmailVerification({ userId: me.user.$id, secret: created.payload.secret });
    assert.equal(done.$id, token.$id, 'the webhook\'s secret confirms the email');
    assert.equal((await me.account.get()).emailVerification, true);
    await deliver();
    const got = seen(receiver, wh.$id, wh.secret);
    assert.deepEqual(got.map((d) => d.event), [`${id}.create`, `${id}.update`]);
    assert.deepEqual([got[1].payload.$id, got[1].payload.userId], [token.$id, me.user.$id]);
    assert.ok(got[1].signed);
  });

  it('phone verification: the create carries the code as the Token\'s secret, and that code verifies the phone', async () => {
    const wh = await hook('phone-verification', ['users.*.verification.*']);
    await new Project(t.server()).createMockPhone({ number: '+15550107777', otp: '246801' });
    const me = await signedIn('phil');
    await users.updatePhone({ userId: me.user.$id, number: '+15550107777' });
    const token = await me.account.createPhoneVerification();
    await deliver();
    const [created] = seen(receiver, wh.$id, wh.secret);
    assert.equal(created.event, `users.${me.user.$id}.verification.${token.$id}.create`);
    assert.deepEqual([created.payload.$id, created.payload.secret], [token.$id, '246801']);
    await new Account(t.guest()).updatePhoneVerification({ userId: me.user.$id, secret: created.payload.secret });
    assert.equal((await me.account.get()).phoneVerification, true);
    await deliver();
    assert.deepEqual(seen(receiver, wh.$id, wh.secret).map((d) => d.event.split('.').pop()), ['create', 'update']);
  });

  it('recovery: create and update arrive with the Token, and the webhook\'s secret resets the password', async () => {
    const wh = await hook('recovery', ['users.*.recovery.*']);
    const { user, email } = await signedIn('rory');
    const token = await new Account(t.guest()).createRecovery({ email, url: 'http://localhost/reset' });
    await deliver();
    const [created] = seen(receiver, wh.$id, wh.secret);
    const id = `users.${user.$id}.recovery.${token.$id}`;
    assert.equal(created.event, `${id}.create`);
    assert.ok(created.events.includes('users.*.recovery.*.create') && created.events.includes(`users.${user.$id}.recovery.*`));
    assert.deepEqual(Object.keys(created.payload).sort(), TOKEN_FIELDS);
    assert.equal(linkIn(await mail.waitFor(email)).searchParams.get('secret'), created.payload.secret);

    await new Account(t.guest()).updateRecovery({ userId: user.$id, secret: created.payload.secret, password: 'a brand new passphrase' });
    await new Account(t.server()).createEmailPasswordSession({ email, password: 'a brand new passphrase' });
    await deliver();
    const got = seen(receiver, wh.$id, wh.secret);
    assert.deepEqual(got.map((d) => d.event), [`${id}.create`, `${id}.update`], 'nothing else (the login is not a recovery event)');
    assert.equal(got[1].payload.$id, token.$id);
    assert.ok(got.every((d) => d.signed));
  });

  it('teams and memberships: every change arrives once, in order, with the Team or Membership model', async () => {
    const wh = await hook('teams', ['teams.*']);
    const narrow = await hook('memberships', ['teams.*.memberships.*']);
    const owner = await signedIn('olive');
    const invitee = await signedIn('ivan');
    const added = await users.create({ userId: ID.unique(), name: 'Adam' });
    const serverTeams = new Teams(t.server());

    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Guild' });
    await owner.teams.updateName({ teamId: team.$id, name: 'Guild II' });
    await owner.teams.updatePrefs({ teamId: team.$id, prefs: { colour: 'teal' } });
    const direct = await serverTeams.createMembership({ teamId: team.$id, roles: ['editor'], userId: added.$id });
    const invited = await owner.teams.createMembership({ teamId: team.$id, roles: [], email: invitee.email, url: 'http://localhost/join' });
    await deliver();
    const inv = linkIn(await mail.waitFor(invitee.email));
    await invitee.teams.updateMembershipStatus({ teamId: team.$id, membershipId: invited.$id, userId: invitee.user.$id, secret: inv.searchParams.get('secret')! });
    await serverTeams.updateMembership({ teamId: team.$id, membershipId: direct.$id, roles: ['admin'] });
    await owner.teams.deleteMembership({ teamId: team.$id, membershipId: direct.$id });
    await owner.teams.delete({ teamId: team.$id });
    await deliver();

    const T = `teams.${team.$id}`;
    const got = seen(receiver, wh.$id, wh.secret);
    assert.deepEqual(got.map((d) => d.event), [
      // generateEvents puts `teams.T.update` before `teams.T.update.prefs` (a top-level attribute comes second).
      `${T}.create`, `${T}.update`, `${T}.update`,
      `${T}.memberships.${direct.$id}.create`, `${T}.memberships.${invited.$id}.create`,
      `${T}.memberships.${invited.$id}.update.status`, `${T}.memberships.${direct.$id}.update`,
      `${T}.memberships.${direct.$id}.delete`, `${T}.delete`,
    ]);
    assert.ok(got.every((d) => d.signed));
    for (const i of [0, 1, 2, 8]) assert.deepEqual(Object.keys(got[i].payload).sort(), TEAM_FIELDS, got[i].event);
    for (const i of [3, 4, 5, 6, 7]) assert.deepEqual(Object.keys(got[i].payload).sort(), MEMBERSHIP_FIELDS, got[i].event);
    assert.deepEqual([got[0].payload.$id, got[0].payload.name, got[0].payload.total], [team.$id, 'Guild', 1]);
    assert.equal(got[1].payload.name, 'Guild II');
    assert.deepEqual(got[2].payload.prefs, { colour: 'teal' });
    assert.deepEqual([got[3].payload.userId, got[3].payload.confirm, got[3].payload.roles], [added.$id, true, ['editor']]);
    assert.deepEqual([got[4].payload.userId, got[4].payload.userEmail, got[4].payload.confirm, got[4].payload.teamName], [invitee.user.$id, invitee.email, false, 'Guild II']);
    assert.equal(got[5].payload.confirm, true, 'accepted');
    assert.notEqual(got[5].payload.joined, '');
    assert.deepEqual(got[6].payload.roles, ['admin']);
    assert.equal(got[7].payload.$id, direct.$id, 'the membership as it was');
    assert.equal(got[8].payload.$id, team.$id, 'the team as it was');

    // Event::generateEvents: the whole tree of a membership change, concrete name first.
    const status = got[5].events;
    assert.equal(status[0], `${T}.memberships.${invited.$id}.update.status`);
    for (const name of ['teams.*.memberships.*.update.status', `${T}.memberships.*.update`, `teams.*.memberships.${invited.$id}.update`, `${T}.memberships.${invited.$id}`, 'teams.*.memberships.*', T, 'teams.*']) {
      assert.ok(status.includes(name), name);
    }
    assert.deepEqual(got[2].events.slice(0, 4), [`${T}.update`, 'teams.*.update', `${T}.update.prefs`, 'teams.*.update.prefs']);
    assert.ok(!got[1].events.includes(`${T}.update.prefs`), 'a rename is no prefs update');

    const memberships = seen(receiver, narrow.$id, narrow.secret).map((d) => d.event);
    assert.deepEqual(memberships, got.slice(3, 8).map((d) => d.event), 'a membership subscription gets only membership events');
  });

  it('a receiver down during a recovery and a membership change gets each event once when it is back; the token waits sealed', async () => {
    const wh = await hook('outage', ['users.*.recovery.*', 'teams.*']);
    const { user, email } = await signedIn('otto');
    await receiver.down();
    const token = await new Account(t.guest()).createRecovery({ email, url: 'http://localhost/reset' });
    const team = await new Teams(t.server()).create({ teamId: ID.unique(), name: 'Outage' });
    const membership = await new Teams(t.server()).createMembership({ teamId: team.$id, roles: [], userId: user.$id });
    await deliver();
    const secret = linkIn(await mail.waitFor(email)).searchParams.get('secret')!;
    const pending = await t.container.db.selectFrom('outbox').selectAll().where('channel', '=', 'webhook').where('status', '=', 'pending').execute();
    assert.equal(pending.length, 3);
    assert.ok(pending.every((r) => !r.payload.includes(secret)), 'no live recovery secret in a database dump');
    assert.equal((await webhooks.get({ webhookId: wh.$id })).attempts, 2, 'one failed attempt per entity (the user, the team)');

    await receiver.up();
    await deliver(HOUR);
    await deliver(HOUR);
    const got = seen(receiver, wh.$id, wh.secret, { accepted: true });
    assert.deepEqual(got.map((d) => d.event).sort(), [`teams.${team.$id}.create`, `teams.${team.$id}.memberships.${membership.$id}.create`, `users.${user.$id}.recovery.${token.$id}.create`].sort());
    for (const d of got) assert.equal(receiver.accepted.get(d.messageId), 1, 'accepted exactly once');
    assert.equal(got.find((d) => d.event.includes('.recovery.'))!.payload.secret, secret);
    const events = got.map((d) => d.event);
    assert.ok(events.indexOf(`teams.${team.$id}.create`) < events.indexOf(`teams.${team.$id}.memberships.${membership.$id}.create`), 'a team\'s events in commit order');
  });
});
