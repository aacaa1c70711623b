import type { Project } from '../projects/projects.ts';
import { allowedHosts, hostTrusted, originHost, platformNameOf } from '../platforms/origins.ts';

export { isOriginAllowed, originHost, platformNameOf } from '../platforms/origins.ts';

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
