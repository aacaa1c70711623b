import type { Config } from '../config.ts';
import type { Deliver } from '../events/outbox.ts';
import { httpChannel } from '../events/channels/http.ts';
import type { SmsMessage } from './messaging.ts';

/**
 * The outbox channel that sends queued SMS through the configured provider: the webhook provider
 * POSTs `{to, from, text}` as JSON to TESSERA_SMS_WEBHOOK_URL (retried like any outbox message).
 */
export function smsChannel(config: Pick<Config, 'smsWebhookUrl'>): Deliver {
  const post = httpChannel('Tessera SMS');
  return async (m) => {
    const msg = m.payload as SmsMessage;
    if (!config.smsWebhookUrl) throw new Error('no SMS provider is configured');
    await post({ ...m, payload: { url: config.smsWebhookUrl, body: { to: msg.to, from: '', text: renderSms(msg) } } });
  };
}

/** A plain rendering (the templates feature replaces it): the code first, as phones show it. */
function renderSms(msg: SmsMessage): string {
  const code = msg.variables.otp ?? msg.variables.secret ?? '';
  return `${code} is your ${msg.variables.project ?? ''} ${msg.templateId} code.`.replace(/\s+/g, ' ').trim();
}
