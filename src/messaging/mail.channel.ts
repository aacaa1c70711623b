import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config.ts';
import type { Deliver } from '../events/outbox.ts';
import { PermanentDeliveryError } from '../events/outbox.ts';
import type { EmailMessage } from './messaging.ts';

const SMTP_TIMEOUT_MS = 10_000;

/**
 * The outbox channel that sends queued mail over SMTP (TESSERA_SMTP_URL). A refused recipient or
 * message (5xx) is permanent; a connection failure or 4xx is retried by the outbox with backoff.
 */
export function mailChannel(config: Pick<Config, 'smtpUrl'>): { deliver: Deliver; close(): void } {
  let transport: Transporter | null = null;
  const transportFor = () =>
    (transport ??= nodemailer.createTransport(config.smtpUrl!, {
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    } as object));
  const deliver: Deliver = async (m) => {
    const msg = m.payload as EmailMessage;
    if (!config.smtpUrl) throw new Error('no SMTP server is configured');
    const { subject, text } = renderPlain(msg);
    try {
      await transportFor().sendMail({
        from: 'Tessera <no-reply@localhost>',
        to: msg.to.name ? { name: msg.to.name, address: msg.to.email } : msg.to.email,
        subject,
        text,
        headers: { 'X-Tessera-Message-Id': m.id },
      });
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      if (code && code >= 500) throw new PermanentDeliveryError(`SMTP refused the message (${code})`);
      throw err;
    }
  };
  return { deliver, close: () => transport?.close() };
}

/** A plain rendering of the template's values (the templates feature replaces this). */
function renderPlain(msg: EmailMessage): { subject: string; text: string } {
  const lines = Object.entries(msg.variables).map(([k, v]) => `${k}: ${v}`);
  return { subject: msg.templateId, text: lines.join('\n') + '\n' };
}
