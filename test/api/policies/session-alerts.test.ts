import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Project, Users } from 'node-appwrite';
import { describeEachBackend, eventually, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';

describeEachBackend('session-alert policy', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  let users: Users;
  before(async () => {
    mail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled', TESSERA_SMTP_URL: mail.url } });
    users = new Users(t.server());
    await new Project(t.server()).updateSessionAlertPolicy({ enabled: true });
  });
  after(async () => {
    await t?.close();
    await mail?.close();
  });

  const login = async (email: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0') => {
    const res = await t.fetch('/account/sessions/email', { method: 'POST', headers: { 'user-agent': userAgent }, json: { email, password: 'password-123' } });
    assert.equal(res.status, 201);
  };
  /** Mails to `email` once the outbox has delivered everything queued so far (an alert queued by mistake would be among them). */
  const mailsTo = async (email: string) => {
    const pending = async () => (await t.container.db.selectFrom('outbox').select('id').where('status', '=', 'pending').execute()).length;
    await eventually(pending, 0, 5_000);
    return mail.messages.filter((m) => m.to.includes(email)).length;
  };

  it('a new email/password session mails the user, except their first session', async () => {
    await users.create({ userId: ID.unique(), email: 'alert@example.com', password: 'password-123', name: 'Ada' });
    await login('alert@example.com');
    await login('alert@example.com');
    const alert = await mail.waitFor('alert@example.com');
    assert.match(alert.text, /127\.0\.0\.1/);
    assert.match(alert.text, /Firefox/);
    // The first login sent nothing: a third login gives exactly the second alert.
    await login('alert@example.com');
    await mail.waitFor('alert@example.com', (m) => m !== alert);
    assert.equal(await mailsTo('alert@example.com'), 2);
  });

  it('a custom-token exchange alerts; Users API sessions never do', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'token@example.com' });
    await users.createSession({ userId: user.$id });
    await users.createSession({ userId: user.$id });
    const token = await users.createToken({ userId: user.$id });
    const res = await t.fetch('/account/sessions/token', { method: 'POST', json: { userId: user.$id, secret: token.secret } });
    assert.equal(res.status, 201);
    await mail.waitFor('token@example.com');
    assert.equal(await mailsTo('token@example.com'), 1);
  });

  it('with the policy off no alert is queued', async () => {
    await new Project(t.server()).updateSessionAlertPolicy({ enabled: false });
    try {
      await users.create({ userId: ID.unique(), email: 'quiet@example.com', password: 'password-123' });
      await login('quiet@example.com');
      await login('quiet@example.com');
      await new Project(t.server()).updateSessionAlertPolicy({ enabled: true });
      await login('quiet@example.com');
      await mail.waitFor('quiet@example.com');
      assert.equal(await mailsTo('quiet@example.com'), 1);
    } finally {
      await new Project(t.server()).updateSessionAlertPolicy({ enabled: true });
    }
  });

  it('only projects with alerts on take logins off the synchronous path (a transactional subscriber applies to them alone)', async () => {
    const needs = () => t.container.events.needsTransaction('users.[userId].sessions.[sessionId].create', t.projectId);
    await t.container.projects.get(t.projectId);
    assert.equal(needs(), true);
    await new Project(t.server()).updateSessionAlertPolicy({ enabled: false });
    try {
      await t.container.projects.get(t.projectId);
      assert.equal(needs(), false);
    } finally {
      await new Project(t.server()).updateSessionAlertPolicy({ enabled: true });
    }
  });
});
