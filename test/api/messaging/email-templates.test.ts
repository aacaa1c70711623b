import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Project } from 'node-appwrite';
import { describeEachBackend, expectError, linkIn, codeIn, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';
import type { EmailMessage } from '../../../src/messaging/messaging.ts';

/** Queues a mail as a flow does (inside a transaction), then kicks the outbox. */
async function queue(t: TestServer, msg: EmailMessage): Promise<string> {
  const project = (await t.container.projects.get(t.projectId))!;
  t.container.messaging.requireEmail(project);
  const id = await t.container.events.transaction((trx) => t.container.messaging.queueEmail(trx, project, msg));
  t.container.messaging.sendSoon();
  return id;
}

describeEachBackend('email templates: built-in, customised per locale, rendered at delivery', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  let project: Project;
  before(async () => {
    mail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url, TESSERA_SMTP_SENDER: 'Acme Auth <auth@acme.test>' } });
    project = new Project(t.server());
  });
  after(async () => {
    await t?.close();
    await mail?.close();
  });

  it('GET gives the built-in template with its placeholders when the project has not customised it', async () => {
    const tpl = await project.getEmailTemplate({ templateId: 'recovery' as any });
    assert.deepEqual(Object.keys(tpl).sort(), ['locale', 'message', 'replyToEmail', 'replyToName', 'senderEmail', 'senderName', 'subject', 'templateId']);
    assert.equal(tpl.templateId, 'recovery');
    assert.equal(tpl.locale, 'en');
    assert.equal(tpl.subject, 'Password Reset for {{project}}');
    assert.match(tpl.message, /href="\{\{redirect\}\}"/);
    assert.match(tpl.message, /\{\{user\}\}/);
    assert.equal(tpl.senderEmail, '');
    const otp = await project.getEmailTemplate({ templateId: 'otpSession' as any, locale: 'fr' as any });
    assert.equal(otp.locale, 'fr');
    assert.match(otp.message, /\{\{otp\}\}/);
    assert.match(otp.message, /\{\{phrase\}\}/, 'GET shows the optional security phrase part too');
    assert.deepEqual({ ...(await project.listEmailTemplates()) }, { total: 0, templates: [] });
  });

  it('an unknown template id or locale is refused with 400', async () => {
    await expectError(project.getEmailTemplate({ templateId: 'welcome' as any }), 400, 'general_argument_invalid');
    await expectError(project.getEmailTemplate({ templateId: 'recovery' as any, locale: 'xx-yy' as any }), 400, 'general_argument_invalid');
    await expectError(project.updateEmailTemplate({ templateId: 'recovery' as any, subject: 'x' }), 400, 'general_argument_invalid', 'Param "message" is not optional.');
  });

  it('the built-in recovery mail: subject, escaped values in the HTML part, the link in the text part, the server sender', async () => {
    const id = await queue(t, {
      templateId: 'recovery',
      locale: 'en',
      to: { email: 'builtin@example.com', name: 'Ann <b>&</b>' },
      variables: { redirect: 'https://app.example.com/reset?userId=u1&secret=s3cr3t' },
    });
    const got = await mail.waitFor('builtin@example.com');
    assert.equal(got.messageId, id);
    assert.equal(got.subject, 'Password Reset for Default project');
    assert.equal(got.from, 'auth@acme.test');
    assert.match(got.html, /Hello Ann &lt;b&gt;&amp;&lt;\/b&gt;,/);
    assert.doesNotMatch(got.html, /<b>&<\/b>/);
    assert.match(got.html, /href="https:\/\/app\.example\.com\/reset\?userId=u1&amp;secret=s3cr3t"/);
    assert.match(got.text, /Hello Ann <b>&<\/b>,/);
    assert.equal(linkIn(got).searchParams.get('secret'), 's3cr3t');
    assert.doesNotMatch(got.text, /\{\{|<p|<a /, 'no placeholder or tag is left in the text part');
  });

  it('a built-in code mail shows the code, and leaves out the security phrase and client parts when the flow has none', async () => {
    await queue(t, { templateId: 'otpSession', locale: 'en', to: { email: 'otp@example.com', name: '' }, variables: { otp: '402913' } });
    const plain = await mail.waitFor('otp@example.com');
    assert.equal(codeIn(plain), '402913');
    assert.equal(plain.subject, 'OTP for Default project Login');
    assert.doesNotMatch(plain.text, /Security phrase|requested using/);
    assert.match(plain.text, /Hello otp@example\.com,/, 'a nameless user is greeted by address');

    await queue(t, {
      templateId: 'otpSession',
      locale: 'en',
      to: { email: 'otp-phrase@example.com', name: 'Bo' },
      variables: { otp: '118822', phrase: 'Brave Otter', agentClient: 'Chrome', agentDevice: 'Desktop', agentOs: 'Linux' },
    });
    const full = await mail.waitFor('otp-phrase@example.com');
    assert.equal(codeIn(full), '118822');
    assert.match(full.text, /Security phrase for this email is Brave Otter\./);
    assert.match(full.html, /<strong>Chrome<\/strong>/);
  });

  it('customising needs a way to send mail: without any SMTP it is refused with 400 and nothing stored; the project’s own SMTP server is enough', async () => {
    const bare = await startServer(backend);
    try {
      const p = new Project(bare.server());
      await expectError(
        p.updateEmailTemplate({ templateId: 'recovery' as any, subject: 'S', message: 'M' }),
        400,
        'general_argument_invalid',
        'SMTP must be enabled on the project to configure custom email templates.',
      );
      assert.equal((await p.listEmailTemplates()).total, 0);
      const withoutSmtp = (await bare.container.projects.get(bare.projectId))!;
      assert.throws(() => bare.container.messaging.requireEmail(withoutSmtp), (e: any) => e.type === 'general_smtp_disabled');

      // The project's own SMTP server is a way to send mail too.
      await p.updateSMTP({ enabled: true, host: '127.0.0.1', port: mail.port, senderEmail: 'team@bare.test' });
      bare.container.messaging.requireEmail((await bare.container.projects.get(bare.projectId))!);
      await p.updateEmailTemplate({ templateId: 'recovery' as any, subject: 'S', message: 'M' });
      assert.equal((await p.listEmailTemplates()).total, 1);
    } finally {
      await bare.close();
    }
  });

  it('a customised template is stored per locale, listed, merged field by field, and used for that locale with en as fallback', async () => {
    const saved = await project.updateEmailTemplate({
      templateId: 'magicSession' as any,
      locale: 'de' as any,
      subject: 'Anmeldung bei {{project}}',
      message: '<p>Hallo {{user}}, <a href="{{redirect}}">hier anmelden</a>.</p>',
      senderName: 'Acme DE',
      senderEmail: 'de@acme.test',
      replyToEmail: 'help@acme.test',
    });
    assert.deepEqual({ ...saved }, {
      templateId: 'magicSession', locale: 'de', subject: 'Anmeldung bei {{project}}',
      message: '<p>Hallo {{user}}, <a href="{{redirect}}">hier anmelden</a>.</p>',
      senderName: 'Acme DE', senderEmail: 'de@acme.test', replyToEmail: 'help@acme.test', replyToName: '',
    });
    // Omitted fields keep their value; "" clears one.
    const merged = await project.updateEmailTemplate({ templateId: 'magicSession' as any, locale: 'de' as any, subject: 'Login: {{project}}', senderName: '' });
    assert.equal(merged.message, saved.message);
    assert.equal(merged.senderName, '');
    assert.equal(merged.subject, 'Login: {{project}}');
    assert.deepEqual({ ...(await project.getEmailTemplate({ templateId: 'magicSession' as any, locale: 'de' as any })) }, { ...merged });
    assert.equal((await project.getEmailTemplate({ templateId: 'magicSession' as any, locale: 'en' as any })).subject, '{{project}} Login', 'other locales keep the built-in one');

    await queue(t, { templateId: 'magicSession', locale: 'de', to: { email: 'de@example.com', name: 'Jörg "<x>"' }, variables: { redirect: 'https://app.example.com/m?secret=abc' } });
    const de = await mail.waitFor('de@example.com');
    assert.equal(de.subject, 'Login: Default project');
    assert.equal(de.from, 'de@acme.test');
    assert.match(de.html, /Hallo Jörg &quot;&lt;x&gt;&quot;,/);
    assert.equal(linkIn(de).searchParams.get('secret'), 'abc');
    assert.match(de.text, /hier anmelden <https:\/\/app\.example\.com\/m\?secret=abc>\./);

    // No Swiss German template: the customised en one would apply, and there is none, so the built-in one.
    await queue(t, { templateId: 'magicSession', locale: 'de-ch', to: { email: 'ch@example.com', name: 'Urs' }, variables: { redirect: 'https://app.example.com/m?secret=def' } });
    assert.equal((await mail.waitFor('ch@example.com')).subject, 'Default project Login');
    await project.updateEmailTemplate({ templateId: 'magicSession' as any, subject: 'EN custom {{project}}', message: '<p><a href="{{redirect}}">Go</a></p>' });
    await queue(t, { templateId: 'magicSession', locale: 'de-ch', to: { email: 'ch2@example.com', name: 'Urs' }, variables: { redirect: 'https://app.example.com/m?secret=ghi' } });
    assert.equal((await mail.waitFor('ch2@example.com')).subject, 'EN custom Default project');

    const list = await project.listEmailTemplates();
    assert.equal(list.total, 2);
    assert.deepEqual(list.templates.map((x) => `${x.templateId}-${x.locale}`).sort(), ['magicSession-de', 'magicSession-en']);
    const page = await project.listEmailTemplates({ queries: ['{"method":"limit","values":[1]}', '{"method":"offset","values":[1]}'] });
    assert.equal(page.templates.length, 1);
    assert.equal(page.total, 2);
    await expectError(project.listEmailTemplates({ queries: ['{"method":"equal","attribute":"locale","values":["de"]}'] }), 400, 'general_argument_invalid');
  });
});
