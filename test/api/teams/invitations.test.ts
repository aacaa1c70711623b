import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Teams, Users } from 'node-appwrite';
import { describeEachBackend, expectError, linkIn, startMailCatcher, startServer, startSmsReceiver, type MailCatcher, type SmsReceiver, type TestServer } from '../../harness.ts';

const PASSWORD = 'correct horse battery';

describeEachBackend('team invitations by email', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  let sms: SmsReceiver;
  let users: Users;
  before(async () => {
    mail = await startMailCatcher();
    sms = await startSmsReceiver();
    // Invitations count 10 an hour per route and address: every test here sends from 127.0.0.1.
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url, TESSERA_SMS_WEBHOOK_URL: sms.url, TESSERA_ABUSE_LIMITS: 'disabled' } });
    users = new Users(t.server());
  });
  after(async () => {
    await t?.close();
    await mail?.close();
    await sms?.close();
  });

  const guestTeams = () => new Teams(t.guest());

  async function member(label: string) {
    const email = `${label}-${ID.unique()}@example.com`;
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD, name: label });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    return { user, email, secret: session.secret, teams: new Teams(t.withSession(session.secret)) };
  }

  /** The invitation mail's link parameters (read by pattern, never by wording). */
  async function invitationTo(email: string, after = 0) {
    const got = await mail.waitFor(email, (m) => mail.messages.indexOf(m) >= after);
    const link = linkIn(got);
    const p = (k: string) => link.searchParams.get(k) ?? '';
    return { link, membershipId: p('membershipId'), userId: p('userId'), secret: p('secret'), teamId: p('teamId'), teamName: p('teamName') };
  }

  it('an owner invites a new email: the user is created, the mail links back, and accepting signs the guest in', async () => {
    const owner = await member('owner');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Guild' });
    const invited = await owner.teams.createMembership({ teamId: team.$id, roles: ['editor'], email: 'Invitee@Example.com', url: 'http://localhost:3000/join?from=mail' });
    assert.deepEqual([invited.confirm, invited.joined, invited.userEmail, invited.roles], [false, '', 'invitee@example.com', ['editor']]);
    assert.equal((await owner.teams.get({ teamId: team.$id })).total, 1, 'a pending invitation does not count');

    const inv = await invitationTo('invitee@example.com');
    assert.equal(inv.link.origin + inv.link.pathname, 'http://localhost:3000/join');
    assert.equal(inv.link.searchParams.get('from'), 'mail');
    assert.deepEqual([inv.membershipId, inv.userId, inv.teamId, inv.teamName], [invited.$id, invited.userId, team.$id, 'Guild']);
    assert.match(inv.secret, /^[0-9a-f]{256}$/);
    const stored = await t.container.db.selectFrom('memberships').select('secret_hash').where('id', '=', invited.$id).executeTakeFirstOrThrow();
    assert.notEqual(stored.secret_hash, inv.secret, 'only a hash of the secret is stored');

    const res = await t.fetch(`/teams/${team.$id}/memberships/${inv.membershipId}/status`, { method: 'PATCH', json: { userId: inv.userId, secret: inv.secret } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual([body.confirm, body.userId, body.teamName], [true, inv.userId, 'Guild']);
    assert.notEqual(body.joined, '');
    const session = JSON.parse(res.headers.get('x-fallback-cookies')!)[`a_session_${t.projectId}`];
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith(`a_session_${t.projectId}=`)));
    const account = await new Account(t.withSession(session)).get();
    assert.deepEqual([account.$id, account.emailVerification], [inv.userId, true]);
    const sessions = await new Account(t.withSession(session)).listSessions();
    assert.deepEqual([sessions.sessions[0].provider, sessions.sessions[0].factors], ['email', ['email']]);
    assert.equal((await new Teams(t.withSession(session)).get({ teamId: team.$id })).total, 2);

    await expectError(guestTeams().updateMembershipStatus({ teamId: team.$id, membershipId: inv.membershipId, userId: inv.userId, secret: inv.secret }), 409, 'membership_already_confirmed');
  });

  it('refuses a wrong secret, another user id, a signed-in stranger and a mismatched team, in Appwrite\'s order', async () => {
    const owner = await member('owner2');
    const invitee = await member('invitee2');
    const stranger = await member('stranger2');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Checks' });
    const other = await owner.teams.create({ teamId: ID.unique(), name: 'Other' });
    await owner.teams.createMembership({ teamId: team.$id, roles: [], userId: invitee.user.$id, url: 'http://localhost/join' });
    const inv = await invitationTo(invitee.email);
    const guest = guestTeams();
    const accept = (teams: Teams, over: Partial<typeof inv> = {}) => {
      const p = { ...inv, ...over };
      return teams.updateMembershipStatus({ teamId: p.teamId, membershipId: p.membershipId, userId: p.userId, secret: p.secret });
    };
    await expectError(accept(guest, { membershipId: 'missing' }), 404, 'membership_not_found');
    await expectError(accept(guest, { teamId: 'missing-team' }), 404, 'team_not_found');
    await expectError(accept(guest, { teamId: other.$id }), 404, 'team_membership_mismatch');
    await expectError(accept(guest, { secret: 'f'.repeat(256) }), 401, 'team_invalid_secret');
    await expectError(accept(guest, { userId: stranger.user.$id }), 401, 'team_invite_mismatch');
    await expectError(accept(stranger.teams), 401, 'team_invite_mismatch');

    // The invitee signed in already: accepted without a new session.
    const res = await t.fetch(`/teams/${team.$id}/memberships/${inv.membershipId}/status`, {
      method: 'PATCH', headers: { 'x-appwrite-session': invitee.secret }, json: { userId: inv.userId, secret: inv.secret },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal((await invitee.teams.get({ teamId: team.$id })).$id, team.$id);
  });

  it('inviting again replaces the secret (the old link dies); a confirmed member cannot be invited again', async () => {
    const owner = await member('owner3');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Again' });
    const first = await owner.teams.createMembership({ teamId: team.$id, roles: [], email: 'twice@example.com', url: 'http://localhost/join' });
    const old = await invitationTo('twice@example.com');
    const count = mail.messages.length;
    const second = await owner.teams.createMembership({ teamId: team.$id, roles: [], email: 'twice@example.com', url: 'http://localhost/join' });
    assert.equal(second.$id, first.$id);
    const fresh = await invitationTo('twice@example.com', count);
    assert.notEqual(fresh.secret, old.secret);
    const guest = guestTeams();
    await expectError(guest.updateMembershipStatus({ teamId: team.$id, membershipId: old.membershipId, userId: old.userId, secret: old.secret }), 401, 'team_invalid_secret');
    await guest.updateMembershipStatus({ teamId: team.$id, membershipId: fresh.membershipId, userId: fresh.userId, secret: fresh.secret });
    await expectError(owner.teams.createMembership({ teamId: team.$id, roles: [], email: 'twice@example.com', url: 'http://localhost/join' }), 409, 'membership_already_confirmed');
  });

  it('only owners invite (401), non-members cannot see the team (404), and the url must be a registered host', async () => {
    const owner = await member('owner4');
    const plainMember = await member('member4');
    const outsider = await member('outsider4');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Gate' });
    await new Teams(t.server()).createMembership({ teamId: team.$id, roles: ['dev'], userId: plainMember.user.$id });
    const invite = (teams: Teams, url = 'http://localhost/join') => teams.createMembership({ teamId: team.$id, roles: [], email: 'target4@example.com', url });
    await expectError(invite(plainMember.teams), 401, 'user_unauthorized', 'User is not allowed to send invitations for this team');
    await expectError(invite(outsider.teams), 404, 'team_not_found');
    await expectError(invite(owner.teams, 'https://evil.example.net/phish'), 400, 'general_argument_invalid', /url/);
    await expectError(invite(owner.teams, 'javascript:alert(1)'), 400, 'general_argument_invalid', /url/);
    assert.equal((await users.list({ search: 'target4@example.com' })).total, 0, 'no user created by a refused invitation');
  });

  it('an invitation is accepted once when 10 acceptances race', async () => {
    const owner = await member('owner5');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Race' });
    await owner.teams.createMembership({ teamId: team.$id, roles: [], email: 'racer@example.com', url: 'http://localhost/join' });
    const inv = await invitationTo('racer@example.com');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => guestTeams().updateMembershipStatus({ teamId: team.$id, membershipId: inv.membershipId, userId: inv.userId, secret: inv.secret })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { type: string }).type, 'membership_already_confirmed');
    assert.equal((await new Teams(t.server()).get({ teamId: team.$id })).total, 2);
    const sessions = await t.container.db.selectFrom('sessions').select('id').where('user_id', '=', inv.userId).execute();
    assert.equal(sessions.length, 1, 'one session for the one acceptance');
  });

  it('a disabled invites method refuses sessions (501) but not API keys', async () => {
    const owner = await member('owner6');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Methods' });
    await t.setAuths({ disabledMethods: ['invites'] });
    try {
      await expectError(owner.teams.createMembership({ teamId: team.$id, roles: [], email: 'm6@example.com', url: 'http://localhost/join' }), 501, 'user_auth_method_unsupported');
      const direct = await new Teams(t.server()).createMembership({ teamId: team.$id, roles: [], email: 'm6@example.com' });
      assert.equal(direct.confirm, true);
    } finally {
      await t.restoreSettings();
    }
  });

  it('an invitee with only a phone number is invited by SMS, and no mail is sent', async () => {
    const owner = await member('owner7');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Texts' });
    const before = mail.messages.length;
    const invited = await owner.teams.createMembership({ teamId: team.$id, roles: [], phone: '+15550007777', url: 'http://localhost/join' });
    assert.equal(invited.confirm, false);
    const got = await sms.waitFor('+15550007777');
    assert.ok(got.messageId);
    assert.equal(mail.messages.length, before);
  });

  it('a session invitation that would create a user respects the project user limit; an API key does not', async () => {
    const owner = await member('owner8');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Limited' });
    await t.setAuths({ limit: 1 });
    try {
      await expectError(owner.teams.createMembership({ teamId: team.$id, roles: [], email: 'over-limit@example.com', url: 'http://localhost/join' }), 400, 'user_count_exceeded');
      const existing = await owner.teams.createMembership({ teamId: team.$id, roles: [], userId: (await member('existing8')).user.$id, url: 'http://localhost/join' });
      assert.equal(existing.confirm, false, 'inviting an existing user creates nobody');
      assert.equal((await new Teams(t.server()).createMembership({ teamId: team.$id, roles: [], email: 'over-limit@example.com' })).confirm, true);
    } finally {
      await t.restoreSettings();
    }
  });

  it('8 concurrent session invitations of new people with room for one more user create exactly one', async () => {
    const owner = await member('owner9');
    const team = await owner.teams.create({ teamId: ID.unique(), name: 'Raced' });
    const users = async () => Number((await t.container.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', t.projectId).executeTakeFirstOrThrow()).n);
    const start = await users();
    await t.setAuths({ limit: start + 1 });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => owner.teams.createMembership({ teamId: team.$id, roles: [], email: `raced-${i}@example.com`, url: 'http://localhost/join' })),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { type: string }).type, 'user_count_exceeded');
      assert.equal(await users(), start + 1);
    } finally {
      await t.restoreSettings();
    }
  });
});
