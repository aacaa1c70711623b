import { formatDate } from '../support/clock.ts';
import type { UserRow } from '../users/users.ts';
import type { SessionRow } from '../sessions/sessions.ts';
import type { TokenRow } from '../tokens/tokens.ts';
import type { TargetRow } from '../targets/targets.ts';
import type { ApiKey } from '../keys/keys.ts';
import { KEY_FIELDS, type Platform } from '../platforms/platforms.ts';
import { parseUserAgent } from '../sessions/user-agent.ts';
import { AUTH_METHODS, PROJECT_PROTOCOLS, PROJECT_SERVICES, type Project } from '../projects/projects.ts';

/**
 * Rows → Appwrite response models. Each function lists every field of its model and nothing else,
 * so a stored hash or secret can only reach a response where a field says so.
 */

const json = <T>(s: string | null, fallback: T): T => (s ? (JSON.parse(s) as T) : fallback);

/** A user's prefs, always an object. */
export function prefsObject(s: string): Record<string, unknown> {
  const v = json<Record<string, unknown>>(s, {});
  return v && !Array.isArray(v) ? v : {};
}

/** Account model: the User model without password, hash and hashOptions. */
export function accountModel(u: UserRow, targets: readonly TargetRow[]) {
  return {
    $id: u.id,
    $createdAt: formatDate(u.created_at),
    $updatedAt: formatDate(u.updated_at),
    name: u.name,
    registration: formatDate(u.registration),
    status: u.status === 1,
    labels: json<string[]>(u.labels, []),
    passwordUpdate: formatDate(u.password_update),
    email: u.email ?? '',
    phone: u.phone ?? '',
    emailVerification: u.email_verification === 1,
    // Appwrite's email classification; not computed here, so emitted as unset (null).
    emailCanonical: null,
    emailIsFree: null,
    emailIsDisposable: null,
    emailIsCorporate: null,
    emailIsCanonical: null,
    phoneVerification: u.phone_verification === 1,
    mfa: u.mfa === 1,
    prefs: prefsObject(u.prefs),
    targets: targets.map(targetModel),
    accessedAt: formatDate(u.accessed_at),
    impersonator: u.impersonator === 1,
    impersonatorUserId: null,
  };
}

/**
 * User model (Users API, API-key callers): the Account fields with the stored password hash and its
 * options after `name`, in Appwrite's order (User.php:32-67); `impersonatorUserId` stays (User.php:184-190).
 */
export function userModel(u: UserRow, targets: readonly TargetRow[]) {
  const { $id, $createdAt, $updatedAt, name, ...rest } = accountModel(u, targets);
  return {
    $id,
    $createdAt,
    $updatedAt,
    name,
    password: u.password,
    hash: u.hash,
    hashOptions: u.hash_options ? json<Record<string, unknown>>(u.hash_options, {}) : null,
    ...rest,
  };
}

export function targetModel(t: TargetRow) {
  return {
    $id: t.id,
    $createdAt: formatDate(t.created_at),
    $updatedAt: formatDate(t.updated_at),
    name: t.name,
    userId: t.user_id,
    providerId: t.provider_id,
    providerType: t.provider_type,
    identifier: t.identifier,
    expired: t.expired === 1,
  };
}

export function sessionModel(s: SessionRow, opts: { current: boolean; secret?: string }) {
  return {
    $id: s.id,
    $createdAt: formatDate(s.created_at),
    $updatedAt: formatDate(s.updated_at),
    userId: s.user_id,
    expire: formatDate(s.expire),
    provider: s.provider,
    providerUid: s.provider_uid,
    providerAccessToken: s.provider_access_token,
    providerAccessTokenExpiry: formatDate(s.provider_access_token_expiry),
    providerRefreshToken: s.provider_refresh_token,
    ip: s.ip,
    ...parseUserAgent(s.user_agent),
    countryCode: s.country_code,
    countryName: 'Unknown',
    current: opts.current,
    factors: json<string[]>(s.factors, []),
    secret: opts.secret ?? '',
    mfaUpdatedAt: formatDate(s.mfa_updated_at),
  };
}

export function tokenModel(t: TokenRow, secret: string) {
  return {
    $id: t.id,
    $createdAt: formatDate(t.created_at),
    userId: t.user_id,
    secret,
    expire: formatDate(t.expire),
    phrase: t.phrase,
  };
}

export function keyModel(k: ApiKey) {
  return {
    $id: k.id,
    $createdAt: formatDate(k.createdAt),
    $updatedAt: formatDate(k.updatedAt),
    name: k.name,
    expire: formatDate(k.expire),
    scopes: k.scopes,
    secret: k.secret ?? '',
    accessedAt: formatDate(k.accessedAt),
    sdks: k.sdks,
  };
}

/**
 * PlatformWeb carries `hostname` and the legacy `key`: hidden from Appwrite's spec but still on the wire
 * (PlatformWeb.php:42-48; Response::output never drops it). App models name their identifier per type.
 */
export function platformModel(p: Platform) {
  const base = { $id: p.id, $createdAt: formatDate(p.createdAt), $updatedAt: formatDate(p.updatedAt), name: p.name, type: p.type };
  if (p.type === 'web') return { ...base, hostname: p.hostname, key: p.key };
  return { ...base, [KEY_FIELDS[p.type]]: p.key };
}

export function listModel<T>(name: string, total: number, items: T[]) {
  return { total, [name]: items };
}

/** Project model (Appwrite's Response\Model\Project): the SMTP password is write-only, always "". */
export function projectModel(p: Project) {
  const smtp = p.settings.smtp;
  const disabled = p.settings.auths.disabledMethods;
  return {
    $id: p.id,
    $createdAt: formatDate(p.createdAt),
    $updatedAt: formatDate(p.updatedAt),
    name: p.name,
    teamId: '',
    region: 'default',
    devKeys: [],
    smtpEnabled: smtp?.enabled ?? false,
    smtpSenderName: smtp?.senderName ?? '',
    smtpSenderEmail: smtp?.senderEmail ?? '',
    smtpReplyToName: smtp?.replyToName ?? '',
    smtpReplyToEmail: smtp?.replyToEmail ?? '',
    smtpHost: smtp?.host ?? '',
    smtpPort: smtp?.port ?? 0,
    smtpUsername: smtp?.username ?? '',
    smtpPassword: '',
    smtpSecure: smtp?.secure ?? '',
    pingCount: 0,
    pingedAt: '',
    labels: p.settings.labels ?? [],
    status: 'active',
    onboarding: [],
    authMethods: AUTH_METHODS.map((id) => ({ $id: id, enabled: !disabled.includes(id) })),
    services: PROJECT_SERVICES.map((id) => ({ $id: id, enabled: true })),
    protocols: PROJECT_PROTOCOLS.map((id) => ({ $id: id, enabled: true })),
    blocks: [],
    consoleAccessedAt: '',
    wafEnabled: false,
  };
}
