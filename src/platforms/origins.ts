import type { Project } from '../projects/projects.ts';

/**
 * Which origins and URLs a project trusts (Appwrite's Origin validator, which its Redirect validator
 * reuses): the CORS check in http/ and the redirect check for mailed links and OAuth2 both ask here.
 */

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
export function hostTrusted(host: string, allowed: readonly string[]): boolean {
  return hostAllowed(host, allowed) || (LOOPBACK_ALIASES.has(host) && hostAllowed('localhost', allowed));
}

export function allowedHosts(project: Project | null, serverHosts: readonly string[]): readonly string[] {
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

/** How Appwrite's messages name the platform of a scheme (Platform::getNameByScheme); undefined for none. */
export function platformNameOf(scheme: string): string | undefined {
  return WEB_SCHEMES[scheme] ?? APP_SCHEMES[scheme];
}

