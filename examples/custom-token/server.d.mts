// Types for server.mjs (plain JavaScript so it runs with `node` and no build step).
import type http from 'node:http';

export interface LegacyUser {
  email: string;
  name: string;
  salt: string;
  hash: string;
}

export const LEGACY_USERS: Map<string, LegacyUser>;
export function hashLegacyPassword(password: string, saltHex: string): Promise<string>;
export function checkLegacyCredentials(users: Map<string, LegacyUser>, username: string, password: string): Promise<LegacyUser | null>;
export function readApiKey(env?: Record<string, string | undefined>): string;

export interface LoginServerOptions {
  endpoint?: string;
  project?: string;
  apiKey?: string;
  users?: Map<string, LegacyUser>;
  /** Token lifetime in seconds. */
  tokenExpire?: number;
}

export function createLoginServer(options?: LoginServerOptions): http.Server;
