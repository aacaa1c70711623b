import { it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { Project } from 'node-appwrite';
import { describeEachBackend, eventually, expectError, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';

/** A real SMTP server that requires a login (plain auth without TLS, as a private relay might), counting mails it accepts. */
async function startLoginSmtp(username: string, password: string) {
  const { SMTPServer } = await import('smtp-server');
  const accepted: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, done) {
      if (auth.username === username && auth.password === password) done(null, { user: username });
      else done(new Error('Invalid username or password'));
    },
    onData(stream, session, done) {
      stream.resume();
      stream.on('end', () => {
        accepted.push(...session.envelope.rcptTo.map((r) => r.address));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, accepted, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describeEachBackend('a project’s own SMTP server (project.updateSMTP, createSMTPTest)', (backend) => {
  let t: TestServer;
  let serverMail: MailCatcher;
  let projectMail: MailCatcher;
  let project: Project;
  before(async () => {
    serverMail = await startMailCatcher();
    projectMail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: serverMail.url } });
    project = new Project(t.server());
  });
  after(async () => {
    await t?.close();
    await serverMail?.close();
    await projectMail?.close();
  });
  beforeEach(async () => t?.restoreSettings());

  const queueRecovery = async (email: string) => {
    const p = (await t.container.projects.get(t.projectId))!;
    await t.container.events.transaction((trx) =>
      t.container.messaging.queueEmail(trx, p, { templateId: 'recovery', locale: 'en', to: { email, name: '' }, variables: { redirect: 'https://app.example.com/r?secret=x' } }),
    );
    t.container.messaging.sendSoon();
  };
  const storedSettings = async () => (await t.container.db.selectFrom('projects').select('settings').where('id', '=', t.projectId).executeTakeFirstOrThrow()).settings;

  it('enabled: the project model shows it (password write-only) and the project’s mail goes out through it, from its sender; disabled: through TESSERA_SMTP_URL again', async () => {
    const updated = await project.updateSMTP({
      enabled: true, host: '127.0.0.1', port: projectMail.port, senderEmail: 'team@proj.test', senderName: 'Proj Team', replyToEmail: 'help@proj.test', replyToName: 'Help',
    });
    assert.deepEqual(
      [updated.smtpEnabled, updated.smtpHost, updated.smtpPort, updated.smtpSenderEmail, updated.smtpSenderName, updated.smtpReplyToEmail, updated.smtpPassword, updated.smtpSecure],
      [true, '127.0.0.1', projectMail.port, 'team@proj.test', 'Proj Team', 'help@proj.test', '', ''],
    );
    assert.equal((await project.get()).smtpEnabled, true);

    await queueRecovery('via-project@example.com');
    const got = await projectMail.waitFor('via-project@example.com');
    assert.equal(got.from, 'team@proj.test');
    assert.equal(serverMail.messages.filter((m) => m.to.includes('via-project@example.com')).length, 0);

    // Another server: the cached transport is replaced.
    const moved = await startMailCatcher();
    try {
      await project.updateSMTP({ port: moved.port });
      await queueRecovery('via-moved@example.com');
      await moved.waitFor('via-moved@example.com');
      assert.equal(projectMail.messages.filter((m) => m.to.includes('via-moved@example.com')).length, 0);
    } finally {
      await moved.close();
    }

    await project.updateSMTP({ enabled: false });
    await queueRecovery('via-server@example.com');
    await serverMail.waitFor('via-server@example.com');
    assert.equal(projectMail.messages.filter((m) => m.to.includes('via-server@example.com')).length, 0);
  });

  it('the password is sealed at rest and used to log in; a wrong one or a server that is not there is refused with 400 and nothing changes', async () => {
    const relay = await startLoginSmtp('mailer', 'Relay-Pass-7731');
    try {
      const base = { enabled: true, host: '127.0.0.1', port: relay.port, senderEmail: 'team@proj.test', username: 'mailer' };
      await expectError(project.updateSMTP({ ...base, password: 'wrong' }), 400, 'project_smtp_config_invalid');
      await expectError(project.updateSMTP({ ...base, port: await closedPort(), password: 'Relay-Pass-7731' }), 400, 'project_smtp_config_invalid');
      assert.equal((await project.get()).smtpEnabled, false);
      assert.doesNotMatch(await storedSettings(), /Relay-Pass-7731|mailer/);

      const ok = await project.updateSMTP({ ...base, password: 'Relay-Pass-7731' });
      assert.equal(ok.smtpPassword, '');
      assert.equal(ok.smtpUsername, 'mailer');
      const stored = await storedSettings();
      assert.doesNotMatch(stored, /Relay-Pass-7731/, 'no clear password in the database');
      assert.match(stored, /"passwordSealed":"[^"]+"/);

      await queueRecovery('logged-in@example.com');
      assert.ok(await eventually(async () => relay.accepted.includes('logged-in@example.com'), true, 5_000));
      assert.deepEqual(relay.accepted, ['logged-in@example.com'], 'the relay accepted the mail after a login with the stored password');

      // A later change without the password keeps it: the connection check still logs in.
      const renamed = await project.updateSMTP({ senderName: 'Renamed' });
      assert.deepEqual([renamed.smtpEnabled, renamed.smtpSenderName], [true, 'Renamed']);
    } finally {
      await relay.close();
    }
  });

  it('turning it on without host, port or sender email is refused, naming the missing param', async () => {
    await expectError(project.updateSMTP({ enabled: true, port: projectMail.port, senderEmail: 'a@b.test' }), 400, 'general_argument_invalid', 'Param "host" is not optional.');
    await expectError(project.updateSMTP({ enabled: true, host: '127.0.0.1', senderEmail: 'a@b.test' }), 400, 'general_argument_invalid', 'Param "port" is not optional.');
    await expectError(project.updateSMTP({ enabled: true, host: '127.0.0.1', port: projectMail.port }), 400, 'general_argument_invalid', 'Param "senderEmail" is not optional.');
    await expectError(project.updateSMTP({ secure: 'starttls' as any }), 400, 'general_argument_invalid');
    await expectError(project.updateSMTP({ senderEmail: 'not-an-email' }), 400, 'general_argument_invalid');
    assert.equal((await project.get()).smtpEnabled, false);
  });

  it('as Appwrite: settings that work are switched on unless the caller says enabled=false; ones that do not are saved switched off', async () => {
    const dead = await project.updateSMTP({ host: '127.0.0.1', port: await closedPort(), senderEmail: 'team@proj.test' });
    assert.equal(dead.smtpEnabled, false);
    const off = await project.updateSMTP({ port: projectMail.port, enabled: false });
    assert.deepEqual([off.smtpEnabled, off.smtpPort], [false, projectMail.port]);
    const auto = await project.updateSMTP({ senderName: 'Auto' });
    assert.equal(auto.smtpEnabled, true);
  });

  it('a test mail needs the project’s SMTP on, and is queued to each address once, through the project’s server', async () => {
    await expectError(project.createSMTPTest({ emails: ['tester@example.com'] }), 400, 'general_argument_invalid', 'SMTP must be enabled on the project to send a test email.');
    await expectError(project.createSMTPTest({ emails: Array.from({ length: 11 }, (_, i) => `t${i}@example.com`) }), 400, 'general_argument_invalid');
    await project.updateSMTP({ enabled: true, host: '127.0.0.1', port: projectMail.port, senderEmail: 'team@proj.test', senderName: 'Proj' });
    await project.createSMTPTest({ emails: ['tester1@example.com', 'tester2@example.com', 'tester1@example.com'] });
    const [one, two] = await Promise.all([projectMail.waitFor('tester1@example.com'), projectMail.waitFor('tester2@example.com')]);
    assert.equal(one.subject, 'Custom SMTP email sample');
    assert.match(one.text, /From: Proj \(team@proj\.test\)/);
    assert.equal(two.from, 'team@proj.test');
    assert.equal(projectMail.messages.filter((m) => m.to.includes('tester1@example.com')).length, 1);
    assert.equal(serverMail.messages.filter((m) => m.to.includes('tester1@example.com')).length, 0);
  });
});
