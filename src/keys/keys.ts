import type { Selectable } from 'kysely';
import type { KeysTable } from '../db/schema.ts';

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
] as const;

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
