// Types for receiver.mjs (plain JavaScript so it runs with `node` and no build step).
import type http from 'node:http';

export function signatureIsValid(secret: string, url: string, rawBody: Buffer | string, signature: string | string[] | undefined): boolean;

export function verificationMail(input: { from: string; to: string; name: string; verifyPageUrl: string; userId: string; secret: string; expire: string }): {
  from: string;
  to: string;
  subject: string;
  text: string;
};

export interface ReceiverOptions {
  /** The webhook's signing secret (shown when it was created or rotated). */
  signingSecret: string;
  /** The URL exactly as saved on the webhook: the signature covers it. */
  webhookUrl: string;
  endpoint: string;
  project: string;
  /** An API key with users.read, to look up the user's email. */
  apiKey: string;
  smtpUrl: string;
  from: string;
  /** Your page that calls account.updateVerification({ userId, secret }). */
  verifyPageUrl: string;
}

export function createReceiver(options: ReceiverOptions): http.Server;
