import type { SmsProviderConfig } from '../config.ts';
import { httpChannel, MESSAGE_ID_HEADER } from '../events/channels/http.ts';
import { PermanentDeliveryError, type Delivery } from '../events/outbox.ts';

/** One text to one phone; `m` is the outbox delivery (its id is stable across retries, its signal times it out). */
export interface SmsProvider {
  send(sms: { to: string; text: string }, m: Delivery): Promise<void>;
}

/** The configured provider, or null when none is (only mock numbers get codes then). */
export function smsProvider(config: SmsProviderConfig | null): SmsProvider | null {
  if (!config) return null;
  return config.provider === 'twilio' ? twilioProvider(config) : webhookProvider(config.url);
}

/** POSTs `{to, from, text}` as JSON, with the outbox message id as X-Tessera-Message-Id and Idempotency-Key. */
function webhookProvider(url: string): SmsProvider {
  const post = httpChannel('Tessera SMS');
  return { send: (sms, m) => post({ ...m, payload: { url, body: { to: sms.to, from: '', text: sms.text } } }) };
}

/**
 * Twilio's Messages API (or any service speaking it): a form POST to
 * `<base>/2010-04-01/Accounts/<sid>/Messages.json` with HTTP Basic auth (account SID, auth token).
 * 2xx: sent; 408, 429, 5xx and network errors: retried; any other answer: refused for good.
 */
function twilioProvider(config: Extract<SmsProviderConfig, { provider: 'twilio' }>): SmsProvider {
  const url = `${config.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  return {
    async send(sms, m) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          redirect: 'manual',
          signal: m.signal,
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Tessera SMS', [MESSAGE_ID_HEADER]: m.id },
          body: new URLSearchParams({ To: sms.to, From: config.from, Body: sms.text }).toString(),
        });
      } catch (err) {
        if (m.signal.aborted) throw m.signal.reason;
        const cause = (err as { cause?: { code?: string } }).cause;
        throw new Error(`Twilio request failed: ${cause?.code ?? (err as Error).message}`);
      }
      const detail = await res.text().catch(() => '');
      if (res.ok) return;
      const why = `Twilio answered ${res.status}${detail ? `: ${detail.slice(0, 200)}` : ''}`;
      if (res.status === 408 || res.status === 429 || res.status >= 500) throw new Error(why);
      throw new PermanentDeliveryError(why);
    },
  };
}
