import { argumentInvalid } from '../errors/errors.ts';
import type { Project } from '../projects/projects.ts';

/**
 * Where Tessera may send a user back to from a link it mails or a login it finishes (verification,
 * recovery, magic URL, invitations, OAuth2 success/failure): Appwrite's Redirect validator. A web URL
 * needs a host that is this server's, `localhost`, or a web platform's hostname of the project; any
 * other scheme must be one of the project's app platforms' (or its appwrite-callback-<id>). Without
 * this check a mailed link would hand its secret to whatever site the requester named.
 */

/** Schemes checked by hostname, and how Appwrite's message names their platform. */
const WEB_SCHEMES: Record<string, string> = {
  http: 'Web',
  https: 'Web',
  'chrome-extension': 'Web (Chrome Extension)',
  'moz-extension': 'Web (Firefox Extension)',
  'safari-web-extension': 'Web (Safari Extension)',
  'ms-browser-extension': 'Web (Edge Extension)',
  tauri: 'Web (Tauri)',
};
const APP_PLATFORM_NAMES: Record<string, string> = {
  'appwrite-ios': 'iOS', 'appwrite-macos': 'macOS', 'appwrite-watchos': 'watchOS', 'appwrite-tvos': 'tvOS',
  'appwrite-android': 'Android', 'appwrite-windows': 'Windows', 'appwrite-linux': 'Linux',
};
/** Other spellings of localhost, trusted where localhost is (Appwrite's Platform::LOOPBACK_ALIASES). */
const LOOPBACK_ALIASES = new Set(['127.0.0.1', '[::1]']);

function parse(url: string): { scheme: string; host: string } {
  try {
    const u = new URL(url);
    return { scheme: u.protocol.slice(0, -1).toLowerCase(), host: u.hostname.toLowerCase() };
  } catch {
    return { scheme: /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '', host: '' };
  }
}

/** Exact hostnames, `*` for any, `*.domain` for subdomains of domain at any depth (as the CORS check). */
function hostMatches(host: string, allowed: readonly string[]): boolean {
  if (!host || host.length > 253) return false;
  return allowed.some((a) => a === host || a === '*' || (a.startsWith('*.') && host.endsWith(a.slice(1))));
}

/** Whether `url` is a place this project may send its users back to. `serverHosts`: this server's own hostnames. */
export function isRedirectAllowed(url: string, project: Project, serverHosts: readonly string[]): boolean {
  const { scheme, host } = parse(url);
  if (scheme in WEB_SCHEMES) {
    const allowed = ['localhost', ...serverHosts, ...project.originHosts];
    return hostMatches(host, allowed) || LOOPBACK_ALIASES.has(host);
  }
  if (!scheme) return false;
  return scheme === `appwrite-callback-${project.id}` || project.originSchemes.includes(scheme);
}

/** 400 general_argument_invalid with Appwrite's Redirect validator text, naming the param. */
export function assertRedirect(param: string, url: string, project: Project, serverHosts: readonly string[]): void {
  if (isRedirectAllowed(url, project, serverHosts)) return;
  const { scheme, host } = parse(url);
  if (!scheme && !host) throw argumentInvalid(param, 'Invalid URI.');
  const platform = WEB_SCHEMES[scheme] ?? APP_PLATFORM_NAMES[scheme] ?? '';
  throw argumentInvalid(param, `Invalid URI. Register your new client ${host ? `(${host})` : ''} as a new ${platform} platform on your project console dashboard`);
}

/** The hostnames a server answering at `publicUrl` counts as its own. */
export function serverHostsOf(publicUrl: string): string[] {
  try {
    return [new URL(publicUrl).hostname.toLowerCase()];
  } catch {
    return [];
  }
}

/**
 * The link a mail carries: `url` with the flow's values added to its query (a value the caller's
 * URL already had under the same name is replaced, as Appwrite's Template::mergeQuery).
 */
export function linkWith(url: string, values: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(values)) u.searchParams.set(k, v);
  return u.toString();
}
