import type { Config } from '../config.ts';
import type { Deliver } from '../events/outbox.ts';
import { PermanentDeliveryError } from '../events/outbox.ts';
import type { Project } from '../projects/projects.ts';
import { MESSAGE_ID_HEADER } from '../events/channels/http.ts';
import type { EmailMessage, MailPayload } from './messaging.ts';
import { escapeHtml, renderEmail, type RenderedEmail } from './render.ts';
import type { MailTransports } from './smtp.transports.ts';
import type { EmailTemplatesService } from './templates.service.ts';

interface Mailbox {
  name: string;
  address: string;
}

interface Envelope extends RenderedEmail {
  from: Mailbox;
  replyTo: Mailbox | null;
}

export interface MailChannelDeps {
  config: Pick<Config, 'smtpUrl' | 'smtpSender'>;
  projects: { get(id: string): Promise<Project | null> };
  templates: Pick<EmailTemplatesService, 'forDelivery'>;
  transports: Pick<MailTransports, 'for'>;
}

/**
 * The outbox channel that sends queued mail over SMTP: the project's own server when enabled, else
 * TESSERA_SMTP_URL. The message is rendered here, at delivery, from the project's template for the
 * caller's locale. A refused recipient or message (5xx) is permanent; a connection failure or 4xx is
 * retried by the outbox with backoff.
 */
export function mailChannel(deps: MailChannelDeps): Deliver {
  const serverSender = parseMailbox(deps.config.smtpSender);
  return async (m) => {
    const project = await deps.projects.get(m.projectId);
    if (!project) throw new PermanentDeliveryError('the project no longer exists');
    const payload = m.payload as MailPayload;
    // A test mail is about the project's own server: turned off since, there is nothing left to test.
    if (payload.templateId === 'smtpTest' && !project.settings.smtp?.enabled) throw new PermanentDeliveryError('the project SMTP server was turned off');
    const transport = deps.transports.for(project);
    if (!transport) throw new Error('no SMTP server is configured');
    const mail = payload.templateId === 'smtpTest' ? smtpTestMail(project, serverSender) : await templateMail(deps, project, payload, serverSender);
    try {
      await transport.sendMail({
        from: mail.from,
        to: payload.to.name ? { name: payload.to.name, address: payload.to.email } : payload.to.email,
        ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { [MESSAGE_ID_HEADER]: m.id },
      });
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      if (code && code >= 500) throw new PermanentDeliveryError(`SMTP refused the message (${code})`);
      throw err;
    }
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * The values every template may use, under the flow's own: the project's name, the recipient, and
 * the date and time in UTC (a session alert's, when its flow did not say).
 */
function variablesFor(project: Project, msg: EmailMessage): Record<string, string> {
  const now = new Date();
  return {
    direction: 'ltr',
    project: project.name,
    user: msg.to.name || msg.to.email,
    team: '',
    date: `${MONTHS[now.getUTCMonth()]} ${now.getUTCDate()}`,
    year: String(now.getUTCFullYear()),
    time: now.toISOString().slice(11, 19),
    ...msg.variables,
  };
}

async function templateMail(deps: MailChannelDeps, project: Project, msg: EmailMessage, serverSender: Mailbox): Promise<Envelope> {
  const variables = variablesFor(project, msg);
  const template = await deps.templates.forDelivery(project.id, msg.templateId, msg.locale || 'en', (name) => !!variables[name]);
  const smtp = project.settings.smtp?.enabled ? project.settings.smtp : null;
  // Each field on its own: the template's, else the project's SMTP settings', else the server's.
  const from = {
    name: template.senderName || smtp?.senderName || serverSender.name,
    address: template.senderEmail || smtp?.senderEmail || serverSender.address,
  };
  const replyAddress = template.replyToEmail || smtp?.replyToEmail || '';
  const replyTo = replyAddress ? { name: template.replyToName || smtp?.replyToName || '', address: replyAddress } : null;
  return { ...renderEmail(template, variables), from, replyTo };
}

function smtpTestMail(project: Project, serverSender: Mailbox): Envelope {
  const smtp = project.settings.smtp!;
  const from = { name: smtp.senderName, address: smtp.senderEmail || serverSender.address };
  const replyTo = smtp.replyToEmail ? { name: smtp.replyToName, address: smtp.replyToEmail } : null;
  const shown = (b: Mailbox) => escapeHtml(b.name ? `${b.name} (${b.address})` : b.address);
  const message = [
    '<p>Hello,</p>',
    '<p>This email confirms that the custom SMTP server of {{b}}{{project}}{{/b}} delivers mail. The sender details it uses:</p>',
    `<p>From: <strong>${shown(from)}</strong><br>Reply-To: <strong>${shown(replyTo ?? from)}</strong></p>`,
    "<p>If this email was marked as spam, check the SMTP server's settings and the sending domain's DNS records (SPF, DKIM, DMARC).</p>",
  ].join('\n');
  return { ...renderEmail({ subject: 'Custom SMTP email sample', message }, { project: project.name }), from, replyTo };
}

/** "Name <address>" or "address". */
function parseMailbox(s: string): Mailbox {
  const m = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(s);
  return m ? { name: m[1].replace(/^"|"$/g, ''), address: m[2] } : { name: '', address: s.trim() };
}
