import { argumentInvalid } from '../errors/errors.ts';
import type { Project } from '../projects/projects.ts';
import { isOriginAllowed, originHost, platformNameOf } from './origins.ts';

/**
 * Where Tessera may send a user back to from a link it mails or a login it finishes (verification,
 * recovery, magic URL, invitations, OAuth2 success/failure): Appwrite's Redirect validator. A web URL
 * needs a host that is this server's, `localhost`, or a web platform's hostname of the project; any
 * other scheme must be one of the project's app platforms' (or its appwrite-callback-<id>, or exp). Without
 * this check a mailed link would hand its secret to whatever site the requester named.
 */

/** Whether `url` is a place this project may send its users back to. `serverHosts`: this server's own hostnames. */
export function isRedirectAllowed(url: string, project: Project, serverHosts: readonly string[]): boolean {
  // Appwrite's Redirect validator is its Origin validator with another message, and localhost is
  // one of the server's own hostnames there. A URL that cannot take the flow's query is no place.
  return URL.canParse(url) && isOriginAllowed(url, project, ['localhost', ...serverHosts]);
}

/** 400 general_argument_invalid with Appwrite's Redirect validator text, naming the param. */
export function assertRedirect(param: string, url: string, project: Project, serverHosts: readonly string[]): void {
  if (isRedirectAllowed(url, project, serverHosts)) return;
  const { scheme, host } = originHost(url);
  if (!scheme && !host) throw argumentInvalid(param, 'Invalid URI.');
  const platform = platformNameOf(scheme) ?? '';
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
