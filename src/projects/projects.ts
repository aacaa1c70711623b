/** Project-level auth settings, stored as JSON; key names follow Appwrite's `auths` map. */
export interface AuthSettings {
  duration: number;
  maxSessions: number;
  limit: number;
  passwordHistory: number;
  passwordDictionary: boolean;
  personalDataCheck: boolean;
  sessionAlerts: boolean;
  invalidateSessions: boolean;
  passwordStrength: { min: number; uppercase: boolean; lowercase: boolean; number: boolean; symbols: boolean };
  /** Disabled auth methods (Appwrite: missing = enabled). */
  disabledMethods: string[];
}

export interface ProjectSettings {
  auths: AuthSettings;
}

export interface Project {
  id: string;
  name: string;
  settings: ProjectSettings;
  /** Hostnames the project's web platforms admit as origins (app identifiers never: finding 6). */
  originHosts: string[];
  /** Non-web origin schemes the project's app platforms admit (appwrite-ios, appwrite-android, …). */
  originSchemes: string[];
  createdAt: number;
  updatedAt: number;
}

export const DEFAULT_AUTHS: AuthSettings = {
  duration: 31536000,
  maxSessions: 10,
  limit: 0,
  passwordHistory: 0,
  passwordDictionary: false,
  personalDataCheck: false,
  sessionAlerts: false,
  invalidateSessions: true,
  passwordStrength: { min: 8, uppercase: false, lowercase: false, number: false, symbols: false },
  disabledMethods: [],
};

export function parseSettings(json: string): ProjectSettings {
  const raw = JSON.parse(json || '{}') as Partial<ProjectSettings>;
  return { ...raw, auths: { ...DEFAULT_AUTHS, ...(raw.auths ?? {}) } };
}
