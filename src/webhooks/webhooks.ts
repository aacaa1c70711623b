import type { Selectable } from 'kysely';
import type { WebhooksTable } from '../db/schema.ts';
import type { Sealer } from '../support/sealing.ts';

export type WebhookRow = Selectable<WebhooksTable>;

/** Appwrite's _APP_WEBHOOK_MAX_FAILED_ATTEMPTS: this many consecutive failed attempts disable a webhook. */
export const MAX_FAILED_ATTEMPTS = 10;

/** A webhook with its secrets opened (the signing key and basic-auth password are sealed at rest). */
export interface Webhook {
  id: string;
  projectId: string;
  name: string;
  url: string;
  events: string[];
  tls: boolean;
  authUsername: string;
  authPassword: string;
  signingKey: string;
  enabled: boolean;
  logs: string;
  attempts: number;
  createdAt: number;
  updatedAt: number;
}

/** What create and update set (update rewrites every field; omitted ones take their defaults). */
export interface WebhookInput {
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
  tls: boolean;
  authUsername: string;
  authPassword: string;
}

/** Sealed values are bound to their webhook: copied to another row, they do not open. */
export const signingKeyContext = (projectId: string, id: string) => `webhook-key:${projectId}:${id}`;
export const authPasswordContext = (projectId: string, id: string) => `webhook-auth:${projectId}:${id}`;

export function toWebhook(row: WebhookRow, sealer: Sealer): Webhook {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    tls: row.tls === 1,
    authUsername: row.auth_username,
    authPassword: row.auth_password ? sealer.open(row.auth_password, authPasswordContext(row.project_id, row.id)) : '',
    signingKey: sealer.open(row.signing_key, signingKeyContext(row.project_id, row.id)),
    enabled: row.enabled === 1,
    logs: row.logs,
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
