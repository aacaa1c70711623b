import type { FastifyReply, FastifyRequest } from 'fastify';
import net from 'node:net';

/** Cookie domain: '.' + hostname, omitted for localhost and IP addresses. */
function cookieDomain(req: FastifyRequest): string | undefined {
  const host = req.hostname.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || net.isIP(host)) return undefined;
  return `.${host}`;
}

function registrable(host: string): string {
  return host.split('.').slice(-2).join('.');
}

/**
 * X-Fallback-Cookies is sent only when the caller is not same-site with the API (or sent no
 * Origin at all, like a server): then third-party cookies may be blocked.
 */
function needsFallback(req: FastifyRequest): boolean {
  const source = req.headers.origin || req.headers.referer;
  if (!source) return true;
  try {
    const originHost = new URL(source).hostname;
    return registrable(originHost) !== registrable(req.hostname.replace(/:\d+$/, ''));
  } catch {
    return true;
  }
}

export function setSessionCookies(req: FastifyRequest, reply: FastifyReply, projectId: string, value: string, expire: number): void {
  const name = `a_session_${projectId}`;
  const base = { path: '/', domain: cookieDomain(req), httpOnly: true, secure: req.protocol === 'https', expires: new Date(expire), sameSite: false as const };
  reply.setCookie(`${name}_legacy`, value, base);
  reply.setCookie(name, value, { ...base, sameSite: 'none' });
  if (needsFallback(req)) reply.header('X-Fallback-Cookies', JSON.stringify({ [name]: value }));
}

export function clearSessionCookies(req: FastifyRequest, reply: FastifyReply, projectId: string, now: number): void {
  const name = `a_session_${projectId}`;
  const base = { path: '/', domain: cookieDomain(req), httpOnly: true, secure: req.protocol === 'https', expires: new Date(now - 3600_000), sameSite: false as const };
  reply.setCookie(`${name}_legacy`, '', base);
  reply.setCookie(name, '', { ...base, sameSite: 'none' });
  if (needsFallback(req)) reply.header('X-Fallback-Cookies', '[]');
}

export function clientInfo(req: FastifyRequest): { ip: string; userAgent: string } {
  const ua = req.headers['x-forwarded-user-agent'] ?? req.headers['user-agent'];
  return { ip: req.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 1024) : 'UNKNOWN' };
}
