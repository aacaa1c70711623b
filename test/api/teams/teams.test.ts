import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Query, Teams, Users } from 'node-appwrite';
import { describeEachBackend, expectError, startServer, type TestServer } from '../../harness.ts';
import type { DomainEvent } from '../../../src/events/events.ts';
import { listMembershipsOfUser } from '../../../src/teams/teams.repository.ts';

const PASSWORD = 'correct horse battery';
/** The SDK parses JSON into null-prototype objects; compare plain copies. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
const TEAM_KEYS = ['$id', '$createdAt', '$updatedAt', 'name', 'total', 'prefs'].sort();
const MEMBERSHIP_KEYS = [
  '$id', '$createdAt', '$updatedAt', 'userId', 'userName', 'userEmail', 'userPhone', 'teamId', 'teamName',
  'invited', 'joined', 'confirm', 'mfa', 'userAccessedAt', 'roles',
].sort();

describeEachBackend('teams and memberships', (backend) => {
  let t: TestServer;
  let admin: Teams;
  let users: Users;
  const seen: DomainEvent[] = [];
  before(async () => {
    t = await startServer(backend);
    admin = new Teams(t.server());
    users = new Users(t.server());
    t.container.events.onCommit('*', (e) => seen.push(e));
  });
  after(async () => t?.close());

  /** A new user with a session; `teams` acts as them. */
  async function member(label: string) {
    const email = `${label}-${ID.unique()}@example.com`;
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD, name: label });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    return { user, email, teams: new Teams(t.withSession(session.secret)) };
  }

  it('a user creating a team becomes its confirmed owner; an API key creating one adds no member', async () => {
    const ann = await member('ann');
    const team = await ann.teams.create({ teamId: ID.unique(), name: 'Ann team', roles: ['admin'] });
    assert.deepEqual(Object.keys(team).sort(), TEAM_KEYS);
    assert.deepEqual(plain([team.name, team.total, team.prefs]), ['Ann team', 1, {}]);
    const { memberships } = await admin.listMemberships({ teamId: team.$id });
    assert.deepEqual(memberships.map((m) => [m.userId, m.roles, m.confirm]), [[ann.user.$id, ['admin', 'owner'], true]]);
    assert.deepEqual(Object.keys(memberships[0]).sort(), MEMBERSHIP_KEYS);
    assert.equal(memberships[0].joined, memberships[0].invited);

    const byKey = await admin.create({ teamId: 'key-team', name: 'Key team' });
    assert.deepEqual([byKey.$id, byKey.total], ['key-team', 0]);
    assert.equal((await admin.listMemberships({ teamId: 'key-team' })).total, 0);
    await expectError(admin.create({ teamId: 'key-team', name: 'Again' }), 409, 'team_already_exists');
    await expectError(admin.create({ teamId: 'bad', name: 'x', roles: ['-lead'] }), 400, 'general_argument_invalid', /roles/);
    await expectError(admin.create({ teamId: 'bad', name: '' }), 400, 'general_argument_invalid', /name/);
  });

  it('a session lists only its teams; an API key lists all, with queries, search and total', async () => {
    const bob = await member('bob');
    const mine = await bob.teams.create({ teamId: ID.unique(), name: 'Bob Rockets' });
    await admin.create({ teamId: ID.unique(), name: 'Not Bob' });
    const listed = await bob.teams.list();
    assert.deepEqual([listed.total, listed.teams.map((x) => x.$id)], [1, [mine.$id]]);

    const all = await admin.list({ search: 'rockets' });
    assert.deepEqual(all.teams.map((x) => x.$id), [mine.$id]);
    const named = await admin.list({ queries: [Query.equal('name', ['Bob Rockets', 'Not Bob']), Query.orderDesc('name')] });
    assert.deepEqual(named.teams.map((x) => x.name), ['Not Bob', 'Bob Rockets']);
    const withMembers = await admin.list({ queries: [Query.greaterThan('total', 0), Query.limit(500)] });
    assert.ok(withMembers.teams.every((x) => x.total > 0) && withMembers.teams.some((x) => x.$id === mine.$id));
    assert.equal((await admin.list({ total: false })).total, 0);
    assert.ok((await admin.list({ queries: [Query.equal('billingPlan', '')] })).total >= 2);
    const jwt = (await users.createJWT({ userId: bob.user.$id })).jwt;
    assert.deepEqual((await new Teams(t.withJwt(jwt)).list()).teams.map((x) => x.$id), [mine.$id], 'a JWT acts as its user');
    await expectError(admin.list({ queries: [Query.equal('prefs', 'x')] }), 400, 'general_argument_invalid');
  });

  it('members read the team; only owners rename it, change its prefs or delete it; others get 404', async () => {
    const owner = await member('owner');
    const viewer = await member('viewer');
    const stranger = await member('stranger');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Crew' });
    await admin.createMembership({ teamId: team.$id, roles: ['viewer'], userId: viewer.user.$id });

    assert.equal((await viewer.teams.get({ teamId: team.$id })).total, 2);
    await expectError(viewer.teams.updateName({ teamId: team.$id, name: 'Mine now' }), 401, 'user_unauthorized');
    await expectError(viewer.teams.updatePrefs({ teamId: team.$id, prefs: { a: 1 } }), 401, 'user_unauthorized');
    await expectError(viewer.teams.delete({ teamId: team.$id }), 401, 'user_unauthorized');
    const strangerCalls = [
      () => stranger.teams.get({ teamId: team.$id }),
      () => stranger.teams.getPrefs({ teamId: team.$id }),
      () => stranger.teams.updateName({ teamId: team.$id, name: 'x' }),
      () => stranger.teams.listMemberships({ teamId: team.$id }),
    ];
    for (const call of strangerCalls) await expectError(call(), 404, 'team_not_found');

    const renamed = await owner.teams.updateName({ teamId: team.$id, name: 'Crew 2' });
    assert.equal(renamed.name, 'Crew 2');
    assert.deepEqual(plain(await owner.teams.updatePrefs({ teamId: team.$id, prefs: { theme: 'dark' } })), { theme: 'dark' });
    assert.deepEqual(plain(await viewer.teams.getPrefs({ teamId: team.$id })), { theme: 'dark' });
    assert.deepEqual(plain((await admin.get({ teamId: team.$id })).prefs), { theme: 'dark' });
    await owner.teams.delete({ teamId: team.$id });
    await expectError(admin.get({ teamId: team.$id }), 404, 'team_not_found');
    assert.equal(await t.container.db.selectFrom('memberships').select('id').where('team_id', '=', team.$id).executeTakeFirst(), undefined, 'memberships went with the team');
  });

  it('an API key adds members at once (confirmed, nothing sent) by userId, email or phone', async () => {
    const team = await admin.create({ teamId: ID.unique(), name: 'Direct' });
    const existing = await member('existing');
    const byId = await admin.createMembership({ teamId: team.$id, roles: ['dev'], userId: existing.user.$id });
    assert.deepEqual([byId.confirm, byId.userId, byId.userName, byId.userEmail, byId.teamName, byId.roles], [true, existing.user.$id, 'existing', existing.email, 'Direct', ['dev']]);
    assert.notEqual(byId.joined, '');

    const byEmail = await admin.createMembership({ teamId: team.$id, roles: [], email: 'New.Person@Example.com', name: 'New Person' });
    const created = await users.get({ userId: byEmail.userId });
    assert.deepEqual([created.email, created.name, created.emailVerification], ['new.person@example.com', 'New Person', false]);
    const byPhone = await admin.createMembership({ teamId: team.$id, roles: [], phone: '+15550001111' });
    assert.equal((await users.get({ userId: byPhone.userId })).phone, '+15550001111');
    assert.equal((await admin.get({ teamId: team.$id })).total, 3);

    await expectError(admin.createMembership({ teamId: team.$id, roles: [], userId: existing.user.$id }), 409, 'membership_already_confirmed');
    await expectError(admin.createMembership({ teamId: team.$id, roles: [], userId: 'nobody' }), 404, 'user_not_found');
    await expectError(admin.createMembership({ teamId: team.$id, roles: [], userId: existing.user.$id, email: 'other@example.com' }), 409, 'user_already_exists');
    await expectError(admin.createMembership({ teamId: team.$id, roles: [] }), 400, 'general_argument_invalid', 'At least one of userId, email, or phone is required');
    await expectError(admin.createMembership({ teamId: 'no-such-team', roles: [], userId: existing.user.$id }), 404, 'team_not_found');
    await expectError(admin.createMembership({ teamId: team.$id, roles: [], email: 'not-an-email' }), 400, 'general_argument_invalid', /`email` param/);
    await expectError(admin.createMembership({ teamId: team.$id, roles: [], phone: '5550001111' }), 400, 'general_argument_invalid', /`phone` param/);
    await expectError(admin.createMembership({ teamId: team.$id, roles: Array(101).fill('r'), userId: existing.user.$id }), 400, 'general_argument_invalid', /`roles` param/);
  });

  it('owners change roles and remove members; a member may leave but not remove others', async () => {
    const owner = await member('boss');
    const a = await member('a');
    const b = await member('b');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Roles' });
    const ma = await admin.createMembership({ teamId: team.$id, roles: ['dev'], userId: a.user.$id });
    const mb = await admin.createMembership({ teamId: team.$id, roles: ['dev'], userId: b.user.$id });

    await expectError(a.teams.updateMembership({ teamId: team.$id, membershipId: mb.$id, roles: ['owner'] }), 401, 'user_unauthorized', 'User is not allowed to modify roles');
    await expectError(a.teams.deleteMembership({ teamId: team.$id, membershipId: mb.$id }), 401, 'user_unauthorized');
    const promoted = await owner.teams.updateMembership({ teamId: team.$id, membershipId: ma.$id, roles: ['owner'] });
    assert.deepEqual(promoted.roles, ['owner']);
    await a.teams.deleteMembership({ teamId: team.$id, membershipId: mb.$id });
    await b.teams.get({ teamId: team.$id }).then(() => assert.fail('b was removed'), (e) => assert.equal(e.type, 'team_not_found'));
    await a.teams.deleteMembership({ teamId: team.$id, membershipId: ma.$id });
    assert.equal((await admin.get({ teamId: team.$id })).total, 1);

    await expectError(admin.deleteMembership({ teamId: team.$id, membershipId: 'missing' }), 404, 'team_invite_not_found');
    const other = await admin.create({ teamId: ID.unique(), name: 'Other' });
    const own = (await admin.listMemberships({ teamId: team.$id })).memberships[0];
    await expectError(admin.getMembership({ teamId: other.$id, membershipId: own.$id }), 404, 'team_membership_mismatch');
    await expectError(admin.updateMembership({ teamId: team.$id, membershipId: own.$id, roles: ['x'.repeat(82)] }), 400, 'general_argument_invalid');
  });

  it('lists a user\'s memberships (Users API), reports roles for the JWT claim, and a deleted user leaves every team', async () => {
    const u = await member('leaver');
    const t1 = await u.teams.create({ teamId: ID.unique(), name: 'One' });
    const t2 = await admin.create({ teamId: ID.unique(), name: 'Two' });
    await admin.createMembership({ teamId: t2.$id, roles: ['reader'], userId: u.user.$id });
    const list = await users.listMemberships({ userId: u.user.$id });
    assert.deepEqual(list.memberships.map((m) => [m.teamName, m.userName, m.userEmail]), [['One', 'leaver', u.email], ['Two', 'leaver', u.email]]);
    assert.equal(list.total, 2);
    assert.deepEqual((await users.listMemberships({ userId: u.user.$id, queries: [Query.equal('teamId', t2.$id)] })).memberships.length, 1);
    const own = (await admin.listMemberships({ teamId: t1.$id })).memberships[0];
    const added = (await admin.listMemberships({ teamId: t2.$id })).memberships[0];
    assert.deepEqual(await listMembershipsOfUser(t.container.db, t.projectId, u.user.$id), [
      { teamId: t1.$id, roles: ['owner'], confirmed: true, membershipId: own.$id },
      { teamId: t2.$id, roles: ['reader'], confirmed: true, membershipId: added.$id },
    ]);
    await expectError(users.listMemberships({ userId: 'missing-user' }), 404, 'user_not_found');

    await users.delete({ userId: u.user.$id });
    assert.equal((await admin.get({ teamId: t1.$id })).total, 0);
    assert.equal((await admin.listMemberships({ teamId: t2.$id })).total, 0);
  });

  it('the membership privacy policy hides member fields from members, never from API keys', async () => {
    const project = new (await import('node-appwrite')).Project(t.server());
    const owner = await member('private');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Private' });
    const hidden = (await owner.teams.listMemberships({ teamId: team.$id })).memberships[0];
    assert.deepEqual([hidden.userId, hidden.userName, hidden.userEmail, hidden.mfa, hidden.userAccessedAt], ['', '', '', false, '']);
    const byKey = await admin.getMembership({ teamId: team.$id, membershipId: hidden.$id });
    assert.deepEqual([byKey.userId, byKey.userName, byKey.userEmail], [owner.user.$id, 'private', owner.email]);
    assert.notEqual(byKey.userAccessedAt, '');

    const policy = await project.updateMembershipPrivacyPolicy({ userId: true, userName: true });
    assert.equal(policy.$id, t.projectId);
    assert.deepEqual(plain(await project.getPolicy({ policyId: 'membership-privacy' as never })), {
      $id: 'membership-privacy', userId: true, userEmail: false, userPhone: false, userName: true, userMFA: false, userAccessedAt: false,
    });
    const shown = await owner.teams.getMembership({ teamId: team.$id, membershipId: hidden.$id });
    assert.deepEqual([shown.userId, shown.userName, shown.userEmail], [owner.user.$id, 'private', '']);
    await project.updateMembershipPrivacyPolicy({ userId: false, userName: false });
  });

  it('a session invitation needs SMTP (503 before anything is stored) and a url', async () => {
    const owner = await member('nosmtp');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'No mail' });
    await expectError(owner.teams.createMembership({ teamId: team.$id, roles: [], email: 'x@example.com' }), 400, 'general_argument_invalid', 'URL is required');
    await expectError(owner.teams.createMembership({ teamId: team.$id, roles: [], email: 'ghost@example.com', url: 'http://localhost/join' }), 503, 'general_smtp_disabled');
    assert.equal((await users.list({ search: 'ghost@example.com' })).total, 0);
  });

  it('publishes team and membership events with their models', async () => {
    const from = seen.length;
    const team = await admin.create({ teamId: ID.unique(), name: 'Events' });
    const u = await member('evented');
    const m = await admin.createMembership({ teamId: team.$id, roles: [], userId: u.user.$id });
    await admin.updateMembership({ teamId: team.$id, membershipId: m.$id, roles: ['x'] });
    await admin.updatePrefs({ teamId: team.$id, prefs: { a: 1 } });
    await admin.deleteMembership({ teamId: team.$id, membershipId: m.$id });
    await admin.delete({ teamId: team.$id });
    const names = seen.slice(from).map((e) => e.name).filter((n) => n.startsWith('teams.'));
    assert.deepEqual(names, [
      'teams.[teamId].create',
      'teams.[teamId].memberships.[membershipId].create',
      'teams.[teamId].memberships.[membershipId].update',
      'teams.[teamId].update.prefs',
      'teams.[teamId].memberships.[membershipId].delete',
      'teams.[teamId].delete',
    ]);
    const created = seen.slice(from).find((e) => e.name === 'teams.[teamId].memberships.[membershipId].create')!;
    assert.deepEqual(created.params, { teamId: team.$id, membershipId: m.$id });
    assert.equal((created.payload as { userId: string }).userId, u.user.$id);
  });
});
