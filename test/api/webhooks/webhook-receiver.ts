import { createHmac } from 'node:crypto';
import { Receiver, type ReceivedRequest } from '../../outbox/receiver.ts';

export { Receiver };

/** One delivery as a receiver sees it: its events, payload and whether Appwrite's signature checks out. */
export interface SeenDelivery {
  messageId: string;
  event: string;
  events: string[];
  payload: any;
  signed: boolean;
  headers: ReceivedRequest['headers'];
}

/** Appwrite's check: base64(HMAC-SHA1(secret, url + raw body)) equals X-Appwrite-Webhook-Signature. */
export function signatureHolds(secret: string, url: string, body: string, signature: string | undefined): boolean {
  return createHmac('sha1', secret).update(url + body).digest('base64') === signature;
}

/** What a receiver got for one webhook, in arrival order; `accepted` keeps only the requests it answered 200. */
export function seen(receiver: Receiver, webhookId: string, secret: string, opts: { accepted?: boolean } = {}): SeenDelivery[] {
  const out: SeenDelivery[] = [];
  for (const r of receiver.requests) {
    if (r.headers['x-appwrite-webhook-id'] !== webhookId) continue;
    const events = String(r.headers['x-appwrite-webhook-events'] ?? '').split(',');
    out.push({ messageId: r.id, event: events[0], events, payload: JSON.parse(r.body), signed: signatureHolds(secret, receiver.url, r.body, r.headers['x-appwrite-webhook-signature'] as string), headers: r.headers });
  }
  if (!opts.accepted) return out;
  // Per message, the final request: the one that was accepted (earlier ones failed).
  const last = new Map<string, number>();
  out.forEach((d, i) => last.set(d.messageId, i));
  return out.filter((d, i) => last.get(d.messageId) === i && receiver.accepted.has(d.messageId));
}
