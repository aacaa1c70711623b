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
  /** Membership privacy: which member fields non-key callers see in team member lists (true = visible). */
  membershipsUserId: boolean;
  membershipsUserEmail: boolean;
  membershipsUserPhone: boolean;
  membershipsUserName: boolean;
  membershipsMfa: boolean;
  membershipsUserAccessedAt: boolean;
}

/** The project's own SMTP server (Appwrite's `smtp` attribute); the password is sealed at rest. */
export interface SmtpSettings {
  enabled: boolean;
  senderName: string;
  senderEmail: string;
  replyToName: string;
  replyToEmail: string;
  host: string;
  port: number;
  username: string;
  /** Sealed with the server key (context `smtp:<projectId>`); never returned. */
  passwordSealed: string;
  secure: '' | 'tls' | 'ssl';
}

export interface ProjectSettings {
  auths: AuthSettings;
  smtp?: SmtpSettings;
  /** Project labels (`project.updateLabels`). */
  labels?: string[];
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
  // As new Appwrite projects: every member field hidden from other members until the policy shows it.
  membershipsUserId: false,
  membershipsUserEmail: false,
  membershipsUserPhone: false,
  membershipsUserName: false,
  membershipsMfa: false,
  membershipsUserAccessedAt: false,
};

export function parseSettings(json: string): ProjectSettings {
  const raw = JSON.parse(json || '{}') as Partial<ProjectSettings>;
  return { ...raw, auths: { ...DEFAULT_AUTHS, ...(raw.auths ?? {}) } };
}

/** Appwrite's auth methods (app/config/auth.php), in its order; each can be switched off per project. */
export const AUTH_METHODS = ['email-password', 'magic-url', 'email-otp', 'anonymous', 'invites', 'jwt', 'phone'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** Appwrite's optional services and API protocols: reported on the Project model, always enabled here. */
export const PROJECT_SERVICES = [
  'account', 'avatars', 'databases', 'tablesdb', 'locale', 'health', 'project', 'storage', 'teams', 'users',
  'vcs', 'sites', 'functions', 'proxy', 'graphql', 'migrations', 'messaging', 'advisor', 'oauth2',
] as const;
export const PROJECT_PROTOCOLS = ['rest', 'graphql', 'websocket'] as const;
