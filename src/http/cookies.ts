import type { FastifyReply, FastifyRequest } from 'fastify';
import net from 'node:net';
import { parseCookie, stringifySetCookie, type SetCookie } from 'cookie';

/**
 * The request's cookies, parsed when asked for. Cookies are read and written here directly (the
 * `cookie` library, as @fastify/cookie uses it) rather than through @fastify/cookie, whose
 * per-request hooks cost about 9% of a session check's main-thread instructions.
 */
export function requestCookies(req: FastifyRequest): Record<string, string | undefined> {
  const header = req.headers.cookie;
  return header ? parseCookie(header) : {};
}

function setCookies(reply: FastifyReply, cookies: SetCookie[]): void {
  reply.header('Set-Cookie', cookies.map((c) => stringifySetCookie(c)));
}

const HOSTNAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Cookie domain: '.' + hostname, omitted for localhost and IP addresses, and for a Host header that
 * is no hostname (the client picks it; such a Domain would make the cookie library throw after the
 * session was already written).
 */
function cookieDomain(req: FastifyRequest): string | undefined {
  const host = req.hostname.toLowerCase().replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || net.isIP(host) || !HOSTNAME.test(host)) return undefined;
  return `.${host}`;
}

/**
 * The registrable domain (eTLD+1), approximated without the public suffix list. IP addresses and
 * single-label hosts such as localhost have none (''), as in Appwrite. Under a two-letter TLD a
 * short second level (co.uk, com.au) takes one more label, so that mistakes err towards sending
 * the fallback rather than towards losing the session.
 */
function registrableDomain(hostname: string): string {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (!host.includes('.') || net.isIP(host)) return '';
  const labels = host.split('.');
  const n = labels.length >= 3 && labels[labels.length - 1].length === 2 && labels[labels.length - 2].length <= 3 ? 3 : 2;
  return labels.slice(-n).join('.');
}

/**
 * X-Fallback-Cookies is sent unless the caller is same-site with the API: then third-party
 * cookies may be blocked. No Origin (a server), or no registrable domain on either side
 * (localhost, an IP address) never counts as same-site, as Appwrite's domainVerification.
 */
function needsFallback(req: FastifyRequest): boolean {
  const source = req.headers.origin || req.headers.referer;
  if (!source) return true;
  try {
    const site = registrableDomain(new URL(source).hostname);
    return site === '' || site !== registrableDomain(req.hostname.replace(/:\d+$/, ''));
  } catch {
    return true;
  }
}

export function setSessionCookies(req: FastifyRequest, reply: FastifyReply, projectId: string, value: string, expire: number): void {
  const name = `a_session_${projectId}`;
  const base = { path: '/', domain: cookieDomain(req), httpOnly: true, secure: req.protocol === 'https', expires: new Date(expire), sameSite: false as const };
  setCookies(reply, [{ name: `${name}_legacy`, value, ...base }, { name, value, ...base, sameSite: 'none' }]);
  if (needsFallback(req)) reply.header('X-Fallback-Cookies', JSON.stringify({ [name]: value }));
}

export function clearSessionCookies(req: FastifyRequest, reply: FastifyReply, projectId: string, now: number): void {
  const name = `a_session_${projectId}`;
  const base = { path: '/', domain: cookieDomain(req), httpOnly: true, secure: req.protocol === 'https', expires: new Date(now - 3600_000), sameSite: false as const };
  setCookies(reply, [{ name: `${name}_legacy`, value: '', ...base }, { name, value: '', ...base, sameSite: 'none' }]);
  if (needsFallback(req)) reply.header('X-Fallback-Cookies', '[]');
}

/**
 * Client address and user agent for sessions and tokens. X-Forwarded-User-Agent counts only for
 * API-key callers (a server relaying its visitor), as in Appwrite's Utopia/Request.php getUserAgent.
 */
export function clientInfo(req: FastifyRequest): { ip: string; userAgent: string } {
  const forwarded = req.caller?.role === 'keys' ? req.headers['x-forwarded-user-agent'] : undefined;
  const ua = forwarded || req.headers['user-agent'];
  return { ip: req.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 1024) : 'UNKNOWN' };
}
