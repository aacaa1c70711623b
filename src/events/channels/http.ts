import { PermanentDeliveryError, type Deliver, type Delivery } from '../outbox.ts';

/** The `http` channel's payload: one POST. Webhooks build on it (their signature goes in `headers`, over `body`). */
export interface HttpMessage {
  url: string;
  /** Sent as is when a string (so a signature over its exact bytes holds), else as JSON. */
  body: unknown;
  headers?: Record<string, string>;
}

export const HTTP_CHANNEL = 'http';

/** Receivers deduplicate on this: it is the same on every attempt of one message, from any process. */
export const MESSAGE_ID_HEADER = 'X-Tessera-Message-Id';

/**
 * POSTs JSON to a URL. 2xx: accepted. 408, 429 and 5xx, timeouts, refused or reset connections: retried.
 * Any other status (4xx, and 3xx, which is not followed: a redirect could lead anywhere): permanent.
 * Errors name the status or the network error code, never the URL (it may hold credentials).
 */
export function httpChannel(userAgent = 'Tessera'): Deliver {
  return async (m: Delivery) => {
    const msg = parseHttpMessage(m.payload);
    const res = await post(msg, m, userAgent);
    // The body is not read: drop it so the connection can be reused.
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return;
    const why = `receiver answered ${res.status}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new Error(why);
    throw new PermanentDeliveryError(why);
  };
}

async function post(msg: HttpMessage, m: Delivery, userAgent: string): Promise<Response> {
  try {
    return await fetch(msg.url, {
      method: 'POST',
      redirect: 'manual',
      signal: m.signal,
      headers: {
        'user-agent': userAgent,
        ...msg.headers,
        'content-type': 'application/json',
        [MESSAGE_ID_HEADER]: m.id,
        'idempotency-key': m.id,
      },
      body: typeof msg.body === 'string' ? msg.body : JSON.stringify(msg.body ?? null),
    });
  } catch (err) {
    if (m.signal.aborted) throw m.signal.reason;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
}

function parseHttpMessage(payload: unknown): HttpMessage {
  const p = payload as Partial<HttpMessage> | null;
  if (!p || typeof p.url !== 'string' || !/^https?:\/\//i.test(p.url)) {
    throw new PermanentDeliveryError('http message without an http(s) url');
  }
  if (p.headers !== undefined && (typeof p.headers !== 'object' || p.headers === null)) {
    throw new PermanentDeliveryError('http message headers must be an object');
  }
  return { url: p.url, body: p.body, headers: p.headers };
}
