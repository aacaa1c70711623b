import type { Selectable } from 'kysely';
import type { KeysTable } from '../db/schema.ts';
import { argumentInvalid } from '../errors/errors.ts';

/** Scopes a project API key may hold (Appwrite's app/config/scopes/project.php plus the /project admin scopes). */
export const KEY_SCOPES = [
  'users.read', 'users.write', 'sessions.read', 'sessions.write', 'teams.read', 'teams.write',
  'databases.read', 'databases.write', 'tables.read', 'tables.write', 'columns.read', 'columns.write',
  'indexes.read', 'indexes.write', 'rows.read', 'rows.write', 'collections.read', 'collections.write',
  'attributes.read', 'attributes.write', 'documents.read', 'documents.write', 'buckets.read', 'buckets.write',
  'files.read', 'files.write', 'tokens.read', 'tokens.write', 'functions.read', 'functions.write',
  'executions.read', 'executions.write', 'sites.read', 'sites.write', 'log.read', 'log.write',
  'providers.read', 'providers.write', 'topics.read', 'topics.write', 'subscribers.read', 'subscribers.write',
  'targets.read', 'targets.write', 'messages.read', 'messages.write', 'rules.read', 'rules.write',
  'locale.read', 'avatars.read', 'health.read', 'migrations.read', 'migrations.write',
  'embeddings.write', 'execution.read', 'execution.write', 'assistant.read', 'schedules.read', 'schedules.write',
  'vcs.read', 'vcs.write', 'insights.read', 'insights.write', 'reports.read', 'reports.write',
  'presences.read', 'presences.write',
  'project.read', 'project.write', 'keys.read', 'keys.write', 'platforms.read', 'platforms.write',
  'policies.read', 'policies.write', 'project.policies.read', 'project.policies.write',
  'mocks.read', 'mocks.write', 'templates.read', 'templates.write', 'project.oauth2.read', 'project.oauth2.write',
  'webhooks.read', 'webhooks.write',
] as const;

/** Unique scopes, each one a project key may hold (400 general_argument_invalid otherwise). */
export function checkedScopes(requested: string[]): string[] {
  const scopes = [...new Set(requested)];
  const unknown = scopes.find((s) => !(KEY_SCOPES as readonly string[]).includes(s));
  if (unknown) throw argumentInvalid('scopes', `Value must a valid array and Value must be one of (${KEY_SCOPES.join(', ')})`);
  return scopes;
}

export type KeyRow = Selectable<KeysTable>;

export interface ApiKey {
  id: string;
  projectId: string;
  name: string;
  scopes: string[];
  expire: number | null;
  accessedAt: number | null;
  sdks: string[];
  createdAt: number;
  updatedAt: number;
  /** Only right after creation: the secret is stored as a hash and never readable again. */
  secret?: string;
}

export function toApiKey(row: KeyRow): ApiKey {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    scopes: JSON.parse(row.scopes),
    expire: row.expire,
    accessedAt: row.accessed_at,
    sdks: JSON.parse(row.sdks),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface KeyChanges {
  name: string;
  scopes: string[];
  /** Epoch ms, or null for a key that never expires. */
  expire: number | null;
}

export const EXPIRE_DESCRIPTION = 'Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59.';

const DATETIME_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A key's `expire` param as epoch ms (Appwrite's Datetime validator: a date, optionally a time and
 * a zone; no zone reads as UTC, as Appwrite's PHP runs in UTC), or null when it is not a date.
 */
export function parseExpire(value: string): number | null {
  const m = DATETIME_RE.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  if (date.getUTCDate() !== day) return null; // 2025-02-30 and the like
  return date.getTime() - zoneOffsetMs(m[8]);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}
