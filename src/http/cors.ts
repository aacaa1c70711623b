import type { Project } from '../projects/projects.ts';

export const ALLOW_HEADERS = [
  'Accept', 'Origin', 'Cookie', 'Set-Cookie', 'Content-Type', 'Content-Range', 'X-Appwrite-Project', 'X-Appwrite-Key',
  'X-Appwrite-Dev-Key', 'X-Appwrite-Locale', 'X-Appwrite-Mode', 'X-Appwrite-JWT', 'X-Appwrite-Organization',
  'X-Appwrite-Response-Format', 'X-Appwrite-Timeout', 'X-Appwrite-ID', 'X-Appwrite-Timestamp', 'X-Appwrite-Session',
  'X-Appwrite-Platform', 'X-Appwrite-Impersonate-User-Id', 'X-Appwrite-Impersonate-User-Email',
  'X-Appwrite-Impersonate-User-Phone', 'X-SDK-Version', 'X-SDK-Name', 'X-SDK-Language', 'X-SDK-Platform', 'X-SDK-GraphQL',
  'X-SDK-Profile', 'Range', 'Cache-Control', 'Expires', 'Pragma', 'X-Fallback-Cookies', 'X-Requested-With',
  'X-Forwarded-For', 'X-Forwarded-User-Agent',
].join(', ');

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function originHost(origin: string): { scheme: string; host: string } | null {
  try {
    const u = new URL(origin);
    return { scheme: u.protocol.replace(/:$/, ''), host: u.hostname.toLowerCase() };
  } catch {
    return null;
  }
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return false;
}

/**
 * Whether a browser origin may call this project with credentials: the server's own host,
 * localhost (127.0.0.1 and [::1] count as localhost), or a registered web platform hostname.
 */
export function isOriginAllowed(origin: string, project: Project | null, serverHosts: string[]): boolean {
  const parsed = originHost(origin);
  if (!parsed) return false;
  const { scheme, host } = parsed;
  if (!['http', 'https', 'chrome-extension', 'moz-extension', 'safari-web-extension', 'tauri'].includes(scheme)) {
    return scheme === `appwrite-callback-${project?.id ?? ''}`;
  }
  if (serverHosts.includes(host)) return true;
  const web = project?.webHosts ?? [];
  if (LOCAL_HOSTS.has(host)) return true;
  return web.some((p) => hostMatches(p, host));
}
