import { argumentInvalid } from '../errors/errors.ts';
import type { Project } from '../projects/projects.ts';

/**
 * The invitation link's `url` must lead back to the project's own app (an open redirect otherwise):
 * http(s) on a registered web platform's hostname (`*.domain` admits its subdomains) or localhost.
 * The platforms feature has a shared check (src/platforms/redirects.ts) that should replace this one.
 */
export function checkInvitationUrl(url: string, project: Pick<Project, 'originHosts'>): void {
  const allowed = ['localhost', ...project.originHosts];
  let host = '';
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') host = u.hostname.toLowerCase();
  } catch {
    /* not a URL: refused below */
  }
  if (!host || !hostAllowed(host, allowed)) throw argumentInvalid('url', `URL host must be one of: ${allowed.join(', ')}`);
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  if (host === '127.0.0.1' || host === '[::1]') host = 'localhost';
  return allowed.some((a) => a === host || a === '*' || (a.startsWith('*.') && host.endsWith(a.slice(1))));
}

/** Appends the invitation's query to the given url, keeping what it already carries (Appwrite's mergeQuery). */
export function invitationLink(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}
