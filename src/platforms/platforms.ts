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
