import type { Project } from '../projects/projects.ts';

export const ALLOW_HEADERS = [
  'Accept', 'Origin', 'Cookie', 'Set-Cookie', 'Content-Type', 'Content-Range', 'X-Appwrite-Project', 'X-Appwrite-Key',
  'X-Appwrite-Dev-Key', 'X-Appwrite-Locale', 'X-Appwrite-Mode', 'X-Appwrite-JWT', 'X-Appwrite-Organization',
  'X-Appwrite-Response-Format', 'X-Appwrite-Timeout', 'X-Appwrite-ID', 'X-Appwrite-Timestamp', 'X-Appwrite-Session',
  'X-Appwrite-Platform', 'X-Appwrite-Impersonate-User-Id', 'X-Appwrite-Impersonate-User-Email',
  'X-Appwrite-Impersonate-User-Phone', 'X-SDK-Version', 'X-SDK-Name', 'X-SDK-Language', 'X-SDK-Platform', 'X-SDK-GraphQL',
  'X-SDK-Profile', 'Range', 'Cache-Control', 'Expires', 'Pragma', 'X-Fallback-Cookies', 'X-Requested-With',
  'X-Forwarded-For', 'X-Forwarded-User-Agent',
  // Tessera: `Authorization: Bearer <jwt>` works wherever X-Appwrite-JWT does.
  'Authorization',
].join(', ');

/** Schemes checked by hostname, and the platform name each one is reported as (Appwrite Network/Platform.php). */
const WEB_SCHEMES: Record<string, string> = {
  http: 'Web',
  https: 'Web',
  'chrome-extension': 'Web (Chrome Extension)',
  'moz-extension': 'Web (Firefox Extension)',
  'safari-web-extension': 'Web (Safari Extension)',
  'ms-browser-extension': 'Web (Edge Extension)',
  tauri: 'Web (Tauri)',
};
const APP_SCHEMES: Record<string, string> = {
  'appwrite-ios': 'iOS', 'appwrite-macos': 'macOS', 'appwrite-watchos': 'watchOS', 'appwrite-tvos': 'tvOS',
  'appwrite-android': 'Android', 'appwrite-windows': 'Windows', 'appwrite-linux': 'Linux',
};

/** Other spellings of localhost: trusted only where `localhost` itself is (Platform::LOOPBACK_ALIASES). */
const LOOPBACK_ALIASES = new Set(['127.0.0.1', '[::1]']);

/** Scheme and lower-cased host of an Origin value; either may be '' (as PHP's parse_url gives them). */
export function originHost(origin: string): { scheme: string; host: string } {
  let scheme = /^([a-z][a-z0-9+.-]*):/i.exec(origin.trim())?.[1] ?? '';
  let host = '';
  try {
    const u = new URL(origin);
    scheme = u.protocol.slice(0, -1);
    host = u.hostname.toLowerCase();
  } catch {
    /* unparsable: keep what the scheme pattern found */
  }
  return { scheme: scheme.toLowerCase(), host };
}

/**
 * Utopia's Hostname validator, tightened (security review, finding 6): exact match, `*` for any host,
 * and `*.domain` for any subdomain of domain at any depth (never domain itself). Utopia matches any
 * `*suffix` by suffix, so `*example.com` would admit `evilexample.com`; here it matches only itself.
 */
function hostAllowed(host: string, allowed: readonly string[]): boolean {
  if (!host || host.length > 253 || host.includes('/') || host.includes(':')) return false;
  return allowed.some((a) => a === host || a === '*' || (a.startsWith('*.') && host.endsWith(a.slice(1))));
}

/** A host on the allow list, or a loopback alias of an allowed `localhost`. */
function hostTrusted(host: string, allowed: readonly string[]): boolean {
  return hostAllowed(host, allowed) || (LOOPBACK_ALIASES.has(host) && hostAllowed('localhost', allowed));
}

function allowedHosts(project: Project | null, serverHosts: readonly string[]): readonly string[] {
  return project?.originHosts.length ? [...serverHosts, ...project.originHosts] : serverHosts;
}

/**
 * Whether a browser origin may call this project (Appwrite's Origin validator): web schemes by
 * hostname (the server's own hosts and the project's web hostnames; 127.0.0.1 and [::1] only where
 * localhost is allowed), other schemes by name (the app platforms' native
 * schemes such as `appwrite-android`, `exp`, `appwrite-callback-<projectId>`).
 */
export function isOriginAllowed(origin: string, project: Project | null, serverHosts: readonly string[]): boolean {
  const { scheme, host } = originHost(origin);
  if (scheme in WEB_SCHEMES) return hostTrusted(host, allowedHosts(project, serverHosts));
  if (!scheme || !project) return false;
  return scheme === 'exp' || scheme === `appwrite-callback-${project.id}` || project.originSchemes.includes(scheme);
}

/**
 * The Access-Control-Allow-Origin value for a request, or null (Appwrite Network/Cors.php): the
 * origin, lower-cased, when its host is allowed; a preflight allows any origin that has a host.
 */
export function corsOrigin(origin: string, preflight: boolean, project: Project | null, serverHosts: readonly string[]): string | null {
  const { host } = originHost(origin);
  if (!host) return null;
  if (!preflight && !hostTrusted(host, allowedHosts(project, serverHosts))) return null;
  return origin.trim().toLowerCase();
}

/** How Appwrite's messages name the platform of a scheme (Platform::getNameByScheme); undefined for none. */
export function platformNameOf(scheme: string): string | undefined {
  return WEB_SCHEMES[scheme] ?? APP_SCHEMES[scheme];
}

/** The 403 general_unknown_origin message (Appwrite Validator/Origin.php getDescription). */
export function unknownOriginMessage(origin: string): string {
  const { scheme, host } = originHost(origin);
  if (!scheme && !host) return 'Invalid Origin.';
  const platform = platformNameOf(scheme);
  if (!platform) {
    return `Invalid Scheme. The scheme used (${scheme}) in the Origin (${origin}) is not supported. If you are using a custom scheme, please change it to \`appwrite-callback-<PROJECT_ID>\``;
  }
  return `Invalid Origin. Register your new client ${host ? `(${host})` : ''} as a new ${platform} platform on your project console dashboard`;
}
