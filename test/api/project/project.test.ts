import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Project, ProjectAuthMethodId } from 'node-appwrite';
import { describeEachBackend, expectError, startServer, type TestServer } from '../../harness.ts';

describeEachBackend('the Project service: get, auth methods, labels', (backend) => {
  let t: TestServer;
  let project: Project;
  before(async () => {
    t = await startServer(backend);
    project = new Project(t.server());
  });
  after(async () => t?.close());

  it('project.get returns the Project model with every auth method enabled and a write-only SMTP password', async () => {
    const p = await project.get();
    assert.equal(p.$id, t.projectId);
    assert.equal(p.smtpEnabled, false);
    assert.equal(p.smtpPassword, '');
    assert.deepEqual(p.authMethods.map((m) => [m.$id, m.enabled]), [
      ['email-password', true], ['magic-url', true], ['email-otp', true], ['anonymous', true], ['invites', true], ['jwt', true], ['phone', true],
    ]);
    assert.ok(p.services.every((s) => s.enabled));
  });

  it('a disabled auth method refuses its logins with 501 user_auth_method_unsupported, and enabling it restores them', async () => {
    const off = await project.updateAuthMethod({ methodId: ProjectAuthMethodId.Anonymous, enabled: false });
    assert.equal(off.authMethods.find((m) => m.$id === 'anonymous')!.enabled, false);
    await expectError(new Account(t.guest()).createAnonymousSession(), 501, 'user_auth_method_unsupported');
    const on = await project.updateAuthMethod({ methodId: ProjectAuthMethodId.Anonymous, enabled: true });
    assert.equal(on.authMethods.find((m) => m.$id === 'anonymous')!.enabled, true);
    const session = await new Account(t.guest()).createAnonymousSession();
    assert.equal(session.provider, 'anonymous');
  });

  it('an unknown auth method is a 400 general_argument_invalid and changes nothing', async () => {
    const res = await t.fetch('/project/auth-methods/telepathy', { method: 'PATCH', headers: { 'x-appwrite-key': t.apiKey }, json: { enabled: false } });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).type, 'general_argument_invalid');
    assert.ok((await project.get()).authMethods.every((m) => m.enabled));
  });

  it('concurrent changes to different settings all land (the settings row is locked, not overwritten)', async () => {
    const methods = [ProjectAuthMethodId.Jwt, ProjectAuthMethodId.Phone, ProjectAuthMethodId.Emailotp, ProjectAuthMethodId.Magicurl];
    await Promise.all([...methods.map((methodId) => project.updateAuthMethod({ methodId, enabled: false })), project.updateLabels({ labels: ['blue', 'green'] })]);
    const p = await project.get();
    assert.deepEqual(p.authMethods.filter((m) => !m.enabled).map((m) => m.$id).sort(), methods.map(String).sort());
    assert.deepEqual(p.labels, ['blue', 'green']);
    await Promise.all(methods.map((methodId) => project.updateAuthMethod({ methodId, enabled: true })));
  });

  it('a session cannot read or change the project (401 general_unauthorized_scope)', async () => {
    const session = await new Account(t.guest()).createAnonymousSession();
    const account = t.withSession(session.secret);
    await expectError(new Project(account).get(), 401, 'general_unauthorized_scope');
    await expectError(new Project(account).updateAuthMethod({ methodId: ProjectAuthMethodId.Anonymous, enabled: false }), 401, 'general_unauthorized_scope');
  });
});
