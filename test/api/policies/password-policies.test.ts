import { it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Project, ProjectPolicyId, Users } from 'node-appwrite';
import { describeEachBackend, expectError, startServer, type TestServer } from '../../harness.ts';

const plain = (x: object) => JSON.parse(JSON.stringify(x));
const COMMON = 'Password must be between 8 and 265 characters long, and should not be one of the commonly used password.';

describeEachBackend('project policies: listing, reading and the password policies', (backend) => {
  let t: TestServer;
  let project: Project;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    project = new Project(t.server());
  });
  afterEach(async () => t.restoreSettings());
  after(async () => t?.close());

  it('listPolicies reports every policy in force, in Appwrite order, with limit and offset', async () => {
    const list = await project.listPolicies();
    assert.equal(list.total, 11);
    assert.deepEqual(list.policies.map((p) => p.$id), [
      'password-dictionary', 'password-history', 'password-strength', 'password-personal-data', 'session-alert',
      'session-duration', 'session-invalidation', 'session-limit', 'user-limit', 'membership-privacy', 'mfa-factors',
    ]);
    assert.deepEqual(plain(list.policies[2]), { $id: 'password-strength', min: 8, uppercase: false, lowercase: false, number: false, symbols: false });
    assert.deepEqual(plain(list.policies[7]), { $id: 'session-limit', total: 10 });
    assert.deepEqual(plain(list.policies[10]), { $id: 'mfa-factors', totp: true, email: true, phone: true, custom: false });
    const page = await project.listPolicies({ queries: ['{"method":"limit","values":[2]}', '{"method":"offset","values":[5]}'], total: false });
    assert.deepEqual([page.total, page.policies.map((p) => p.$id)], [0, ['session-duration', 'session-invalidation']]);
    await expectError(project.listPolicies({ queries: ['{"method":"equal","attribute":"$id","values":["x"]}'] }), 400, 'general_argument_invalid');
  });

  it('getPolicy reads one policy; an unknown id is 400 and a session may not read policies', async () => {
    assert.deepEqual(plain(await project.getPolicy({ policyId: ProjectPolicyId.Sessionduration })), { $id: 'session-duration', duration: 31536000 });
    assert.deepEqual(plain(await project.getPolicy({ policyId: ProjectPolicyId.Sessioninvalidation })), { $id: 'session-invalidation', enabled: true });
    await expectError(project.getPolicy({ policyId: 'deny-free-email' as ProjectPolicyId }), 400, 'general_argument_invalid');
    const session = await new Users(t.server()).createSession({ userId: (await new Users(t.server()).create({ userId: ID.unique() })).$id });
    await expectError(new Project(t.withSession(session.secret)).listPolicies(), 401, 'general_unauthorized_scope');
    await expectError(new Project(t.withSession(session.secret)).updateSessionLimitPolicy({ total: 1 }), 401, 'general_unauthorized_scope');
  });

  it('password dictionary: on, a common password is refused at sign-up and on the Users API; off, it is allowed', async () => {
    const updated = await project.updatePasswordDictionaryPolicy({ enabled: true });
    assert.equal(updated.$id, t.projectId);
    assert.deepEqual(plain(await project.getPolicy({ policyId: ProjectPolicyId.Passworddictionary })), { $id: 'password-dictionary', enabled: true });
    const err = await expectError(new Account(t.guest()).create({ userId: ID.unique(), email: 'dict@example.com', password: 'password' }), 400, 'general_argument_invalid');
    assert.equal(err.message, `Invalid \`password\` param: ${COMMON}`);
    await expectError(new Users(t.server()).create({ userId: ID.unique(), email: 'dict2@example.com', password: 'qwertyuiop' }), 400, 'general_argument_invalid');
    // Exact, case-sensitive match, as Appwrite.
    await new Account(t.guest()).create({ userId: ID.unique(), email: 'dict3@example.com', password: 'PassWord-not-common-9' });
    await project.updatePasswordDictionaryPolicy({ enabled: false });
    await new Account(t.guest()).create({ userId: ID.unique(), email: 'dict4@example.com', password: 'password' });
  });

  it('password history: the last N passwords are refused (password_recently_used); total null turns it off', async () => {
    await project.updatePasswordHistoryPolicy({ total: 2 });
    assert.deepEqual(plain(await project.getPolicy({ policyId: ProjectPolicyId.Passwordhistory })), { $id: 'password-history', total: 2 });
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'hist@example.com', password: 'first-password-1' });
    await users.updatePassword({ userId: user.$id, password: 'second-password-2' });
    await expectError(users.updatePassword({ userId: user.$id, password: 'first-password-1' }), 400, 'password_recently_used');
    await users.updatePassword({ userId: user.$id, password: 'third-password-3' });
    // Only the last 2 are kept: the first is allowed again.
    await users.updatePassword({ userId: user.$id, password: 'first-password-1' });
    await project.updatePasswordHistoryPolicy({ total: null as unknown as number });
    assert.deepEqual(plain(await project.getPolicy({ policyId: ProjectPolicyId.Passwordhistory })), { $id: 'password-history', total: 0 });
    await expectError(project.updatePasswordHistoryPolicy({ total: 21 }), 400, 'general_argument_invalid');
  });

  it('password strength: min length and character classes apply, and the route answers the PolicyPasswordStrength model', async () => {
    const policy = await project.updatePasswordStrengthPolicy({ min: 12, uppercase: true, number: true });
    assert.deepEqual(plain(policy), { $id: 'password-strength', min: 12, uppercase: true, lowercase: false, number: true, symbols: false });
    // Omitted fields keep their value.
    assert.deepEqual(plain(await project.updatePasswordStrengthPolicy({ symbols: true })), { ...plain(policy), symbols: true });
    const account = new Account(t.guest());
    const err = await expectError(account.create({ userId: ID.unique(), email: 'strong@example.com', password: 'Short1!x' }), 400, 'general_argument_invalid');
    assert.match(err.message, /between 12 and 256 characters long, include an uppercase letter, include a number, include a symbol/);
    await expectError(account.create({ userId: ID.unique(), email: 'strong@example.com', password: 'longenough-but-no-upper-1!' }), 400, 'general_argument_invalid');
    await account.create({ userId: ID.unique(), email: 'strong@example.com', password: 'Long-Enough-And-1' });
    await expectError(project.updatePasswordStrengthPolicy({ min: 7 }), 400, 'general_argument_invalid');
  });

  it('personal data: a password containing the email, name or id is refused (password_personal_data)', async () => {
    await project.updatePasswordPersonalDataPolicy({ enabled: true });
    assert.deepEqual(plain(await project.getPolicy({ policyId: ProjectPolicyId.Passwordpersonaldata })), { $id: 'password-personal-data', enabled: true });
    const account = new Account(t.guest());
    await expectError(account.create({ userId: ID.unique(), email: 'grace.hopper@example.com', password: 'xxGRACE.HOPPERxx' }), 400, 'password_personal_data');
    await expectError(account.create({ userId: ID.unique(), email: 'g@example.com', name: 'Cobol Queen', password: 'i-am-cobol queen' }), 400, 'password_personal_data');
    await account.create({ userId: ID.unique(), email: 'grace.hopper@example.com', password: 'nothing-personal-9' });
  });

  it('mfa-factors (server-only route) stores the allowed factors; omitted ones keep their value; undeclared fields are dropped', async () => {
    const res = await t.fetch('/project/policies/mfa-factors', { method: 'PATCH', headers: { 'x-appwrite-key': t.apiKey }, json: { email: false, custom: true } });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).$id, t.projectId);
    assert.deepEqual(plain(await project.getPolicy({ policyId: 'mfa-factors' as ProjectPolicyId })), { $id: 'mfa-factors', totp: true, email: false, phone: true, custom: true });
    // Undeclared body fields are not stored.
    await t.fetch('/project/policies/password-strength', { method: 'PATCH', headers: { 'x-appwrite-key': t.apiKey }, json: { min: 10, evil: true } });
    assert.deepEqual(plain(await project.getPolicy({ policyId: ProjectPolicyId.Passwordstrength })), { $id: 'password-strength', min: 10, uppercase: false, lowercase: false, number: false, symbols: false });
  });
});
