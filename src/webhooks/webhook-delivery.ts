import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Logger } from 'pino';
import type { Db } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { Deliver, Delivery } from '../events/outbox.ts';
import { MESSAGE_ID_HEADER } from '../events/channels/http.ts';
import { SERVER_VERSION } from '../errors/errors.ts';
import { BlockedAddressError, guardedLookup, hostOf, isPrivateAddress } from './address-guard.ts';
import type { WebhookMessage } from './webhook-dispatch.ts';
import { MAX_FAILED_ATTEMPTS, toWebhook, type Webhook } from './webhooks.ts';
import { findWebhook, recordFailure, resetAttempts } from './webhooks.repository.ts';

/** How much of a receiver's answer is read (and kept in `logs`), as Appwrite's 10 kB. */
const MAX_RESPONSE_BYTES = 10_000;

export interface WebhookDeliveryDeps {
  db: Db;
  sealer: Sealer;
  clock: Clock;
  bus: EventBus;
  logger: Logger;
  allowPrivate: boolean;
  /** The outbox's limit on one attempt: a receiver slower than this (less a margin) is a failed attempt. */
  attemptTimeoutMs: number;
}

/** base64(HMAC-SHA1(key, url + body)): Appwrite's X-Appwrite-Webhook-Signature. */
export function webhookSignature(key: string, url: string, body: string): string {
  return createHmac('sha1', key).update(url + body).digest('base64');
}

interface Answer {
  status: number;
  body: string;
}

/**
 * The `webhook` outbox channel: one signed POST per message, to the webhook as it is now (URL, key and
 * auth read at delivery). A deleted or disabled webhook's messages are dropped. A 2xx answer is
 * accepted; anything else (3xx, which is not followed, 4xx, 5xx, a refused address, a network error)
 * counts one failed attempt on the webhook (Appwrite's `attempts` and `logs`), which is disabled after
 * 10 in a row, and the outbox tries the message again later.
 */
export function webhookChannel(deps: WebhookDeliveryDeps): Deliver {
  return async (m: Delivery) => {
    const msg = m.payload as WebhookMessage;
    const row = await findWebhook(deps.db, m.projectId, msg.webhookId);
    if (!row || row.enabled !== 1) {
      deps.logger.info({ id: m.id, webhookId: msg.webhookId }, 'webhooks: delivery dropped, the webhook is deleted or disabled');
      return;
    }
    const hook = toWebhook(row, deps.sealer);
    let answer: Answer;
    try {
      answer = await post(hook, msg, m, deps);
    } catch (err) {
      if (m.signal.aborted) throw m.signal.reason;
      const reason = clientError(err);
      await failed(deps, hook, `URL: ${hook.url}\nMethod: POST\nClient Error: ${reason}\nEvents: ${msg.events.join(', ')}\n`);
      throw new Error(`request failed: ${reason}`);
    }
    if (answer.status >= 200 && answer.status < 300) {
      if (hook.attempts > 0) await resetAttempts(deps.db, hook.projectId, hook.id, deps.clock.now());
      return;
    }
    await failed(deps, hook, `URL: ${hook.url}\nMethod: POST\nStatus code: ${answer.status}\nBody: \n${answer.body}\n`);
    throw new Error(`receiver answered ${answer.status}`);
  };
}

/** Counts the failure; when it disables the webhook, every process's matching cache drops it. */
async function failed(deps: WebhookDeliveryDeps, hook: Webhook, logs: string): Promise<void> {
  await deps.bus.transaction(async (trx, emit) => {
    const after = await recordFailure(trx, hook.projectId, hook.id, logs, MAX_FAILED_ATTEMPTS, deps.clock.now());
    if (after && after.enabled === 0 && hook.enabled) {
      emit(event('webhooks.[webhookId].update', hook.projectId, { webhookId: hook.id }));
      deps.logger.warn({ webhookId: hook.id, projectId: hook.projectId, attempts: after.attempts }, 'webhooks: disabled after consecutive failed deliveries');
    }
  });
}

function clientError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof BlockedAddressError) return e.message;
  return e?.code ? e.code : String(e?.message ?? e);
}

/** Header values go out as bytes: UTF-8 (as Appwrite sends them), without line breaks. */
const headerValue = (v: string) => Buffer.from(v.replace(/[\r\n\0]/g, ' '), 'utf8').toString('latin1');

/** Leaves the outbox time to record a timed-out attempt before it gives up on the delivery itself. */
const deadlineOf = (attemptTimeoutMs: number) => Math.max(Math.floor(attemptTimeoutMs * 0.8), attemptTimeoutMs - 2_000);

function post(hook: Webhook, msg: WebhookMessage, m: Delivery, deps: Pick<WebhookDeliveryDeps, 'allowPrivate' | 'attemptTimeoutMs'>): Promise<Answer> {
  const allowPrivate = deps.allowPrivate;
  const url = new URL(hook.url);
  const host = hostOf(hook.url);
  // An IP literal is connected to without a lookup: checked here.
  if (!allowPrivate && net.isIP(host) && isPrivateAddress(host)) {
    return Promise.reject(new BlockedAddressError(`${host} is not a public address`));
  }
  const body = Buffer.from(msg.body, 'utf8');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'user-agent': `Tessera (Appwrite-Server v${SERVER_VERSION} compatible)`,
    'x-appwrite-webhook-id': hook.id,
    'x-appwrite-webhook-events': msg.events.join(','),
    'x-appwrite-webhook-name': headerValue(hook.name),
    'x-appwrite-webhook-user-id': msg.userId,
    'x-appwrite-webhook-project-id': hook.projectId,
    'x-appwrite-webhook-signature': webhookSignature(hook.signingKey, hook.url, msg.body),
    // The same on every attempt of one message: a receiver deduplicates on it.
    [MESSAGE_ID_HEADER.toLowerCase()]: m.id,
    'idempotency-key': m.id,
  };
  if (hook.authUsername && hook.authPassword) {
    headers.authorization = 'Basic ' + Buffer.from(`${hook.authUsername}:${hook.authPassword}`).toString('base64');
  }
  const options: https.RequestOptions = {
    method: 'POST',
    headers,
    signal: m.signal,
    agent: false,
    lookup: guardedLookup(allowPrivate) as never,
    rejectUnauthorized: hook.tls,
  };
  return new Promise<Answer>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_RESPONSE_BYTES) return void res.destroy();
        chunks.push(chunk);
        size += chunk.length;
      });
      const done = () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8') });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    const deadline = deadlineOf(deps.attemptTimeoutMs);
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${deadline} ms`), { code: 'ETIMEDOUT' })), deadline);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(body);
  });
}
