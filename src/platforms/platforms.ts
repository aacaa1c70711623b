import type { Selectable } from 'kysely';
import type { PlatformsTable } from '../db/schema.ts';

export type PlatformRow = Selectable<PlatformsTable>;

export type PlatformType = 'web' | 'apple' | 'android' | 'windows' | 'linux';
export type AppPlatformType = Exclude<PlatformType, 'web'>;

export const PLATFORM_TYPES: readonly PlatformType[] = ['web', 'apple', 'android', 'windows', 'linux'];

/** The API name of the stored `key` column, per app platform type. */
export const KEY_FIELDS = {
  apple: 'bundleIdentifier',
  android: 'applicationId',
  windows: 'packageIdentifierName',
  linux: 'packageName',
} as const satisfies Record<AppPlatformType, string>;

/** Types stored by Appwrite before 1.9 (its rows may have been imported); read as the new five. */
const DEPRECATED_TYPES: Record<string, PlatformType> = {
  'flutter-web': 'web', unity: 'web',
  'flutter-ios': 'apple', 'flutter-macos': 'apple', 'apple-ios': 'apple', 'apple-macos': 'apple',
  'apple-watchos': 'apple', 'apple-tvos': 'apple', 'react-native-ios': 'apple',
  'flutter-android': 'android', 'react-native-android': 'android',
  'flutter-windows': 'windows', 'flutter-linux': 'linux',
};

/** Origin schemes each app platform type admits (Appwrite Network/Platform.php getSchemes). */
const APP_SCHEMES: Record<AppPlatformType, readonly string[]> = {
  apple: ['appwrite-ios', 'appwrite-macos', 'appwrite-watchos', 'appwrite-tvos'],
  android: ['appwrite-android'],
  windows: ['appwrite-windows'],
  linux: ['appwrite-linux'],
};

/**
 * What a project's platforms admit as request origins: web platforms their hostname, app platforms
 * only their native SDK's scheme (`appwrite-android://…`). Appwrite's getHostnames also counts an app
 * identifier as a web hostname; Tessera does not (security review, finding 6): an Android id such as
 * `shop.example` is no proof of owning that domain. Unknown stored types admit nothing.
 */
export function originRules(rows: readonly { type: string; hostname: string; key: string }[]): { hosts: string[]; schemes: string[] } {
  const hosts = new Set<string>();
  const schemes = new Set<string>();
  for (const row of rows) {
    const stored = row.type.toLowerCase();
    const type = DEPRECATED_TYPES[stored] ?? stored;
    if (type === 'web') {
      if (row.hostname) hosts.add(row.hostname.toLowerCase());
    } else if (Object.hasOwn(APP_SCHEMES, type)) {
      for (const scheme of APP_SCHEMES[type as AppPlatformType]) schemes.add(scheme);
    }
  }
  return { hosts: [...hosts], schemes: [...schemes] };
}

export interface Platform {
  id: string;
  projectId: string;
  /** Always one of the five API types (deprecated stored types mapped); anything else reads as web. */
  type: PlatformType;
  name: string;
  /** Web platforms only; "" for the others. */
  hostname: string;
  /** App identifier (bundle id, application id, package name); "" for web platforms. */
  key: string;
  createdAt: number;
  updatedAt: number;
}

export function apiType(stored: string): PlatformType {
  const mapped = DEPRECATED_TYPES[stored] ?? stored;
  return (PLATFORM_TYPES as readonly string[]).includes(mapped) ? (mapped as PlatformType) : 'web';
}

/**
 * Whether the update route of `type` may change a stored row: the web route also accepts the
 * deprecated universal types (they held a hostname), the app routes only their own type.
 */
export function updatableAs(stored: string, type: PlatformType): boolean {
  if (type === 'web') return stored === 'web' || stored in DEPRECATED_TYPES;
  return stored === type;
}

export function toPlatform(row: PlatformRow): Platform {
  return {
    id: row.id,
    projectId: row.project_id,
    type: apiType(row.type),
    name: row.name,
    hostname: row.hostname,
    key: row.key,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
