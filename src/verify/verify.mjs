// tessera/verify: verifies Tessera account JWTs in any Node.js resource server, offline, against the
// server's published key set, and answers permission checks written as Appwrite Role/Permission
// strings. Plain JavaScript (types in verify.d.mts) so it works installed, with jose as its only dependency.
import { createRemoteJWKSet, jwtVerify, errors } from 'jose';

/** A token that does not verify; `reason` says why ('missing', 'expired', 'invalid'). */
export class JwtVerificationError extends Error {
  constructor(message, reason) {
    super(message);
    this.name = 'JwtVerificationError';
    this.reason = reason;
    this.status = 401;
  }
}

/**
 * A verifier for one Tessera project. `endpoint` is the API base (`https://auth.example.com/v1`);
 * the key set is fetched from `<endpoint>/.well-known/jwks.json` on first use, cached, and fetched
 * again when a token names a key it does not hold (a rotation), at most once per `cooldownMs`.
 */
export function createVerifier(options) {
  const { endpoint, projectId } = options ?? {};
  if (!endpoint || !projectId) throw new TypeError('createVerifier needs { endpoint, projectId }');
  const base = String(endpoint).replace(/\/+$/, '');
  const issuer = options.issuer === undefined ? base : options.issuer;
  const keys = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`), {
    timeoutDuration: options.timeoutMs ?? 5000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
  });
  const clockTolerance = options.clockToleranceSeconds ?? 0;

  async function verify(token) {
    if (typeof token !== 'string' || token === '') throw new JwtVerificationError('No bearer token', 'missing');
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ['EdDSA'],
        audience: projectId,
        ...(issuer ? { issuer } : {}),
        clockTolerance,
        ...(options.currentDate ? { currentDate: options.currentDate() } : {}),
      });
      if (typeof payload.userId !== 'string' || !Array.isArray(payload.roles)) throw new JwtVerificationError('Not a Tessera account JWT', 'invalid');
      return payload;
    } catch (err) {
      if (err instanceof JwtVerificationError) throw err;
      if (err instanceof errors.JWTExpired) throw new JwtVerificationError('Token expired', 'expired');
      throw new JwtVerificationError(`Invalid token: ${err?.code ?? err?.message ?? 'unknown'}`, 'invalid');
    }
  }

  /** Verifies the bearer token of a request (Node's IncomingMessage, or any object with `headers`). */
  function verifyRequest(req) {
    const headers = req?.headers ?? {};
    const auth = typeof headers.get === 'function' ? headers.get('authorization') : headers.authorization;
    return verify(bearerToken(auth));
  }

  return { verify, verifyRequest };
}

/** The token of an `Authorization: Bearer <token>` header, or '' for none. */
export function bearerToken(header) {
  if (typeof header !== 'string') return '';
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

const PERMISSION = /^(read|create|update|delete|write)\("([^"]+)"\)$/;
/** Appwrite's `write` stands for create, update and delete. */
const WRITE_ACTIONS = new Set(['create', 'update', 'delete']);

/** `read("team:abc/admin")` → { action: 'read', role: 'team:abc/admin' }; a bare role has action null. */
export function parsePermission(permission) {
  const match = PERMISSION.exec(String(permission).trim());
  if (match) return { action: match[1], role: match[2] };
  return { action: null, role: String(permission).trim() };
}

/**
 * Whether the verified claims satisfy a permission (`read("team:abc/admin")`), a bare role
 * (`label:vip`), or any of a list of them. With `action`, only permissions for that action count
 * (`write(...)` counts for create, update and delete). `any` admits everyone; the other roles must
 * be among the token's `roles` claim, which Tessera computes as Appwrite does.
 */
export function can(claims, permissions, action) {
  const held = new Set(Array.isArray(claims?.roles) ? claims.roles : []);
  held.add('any');
  const list = Array.isArray(permissions) ? permissions : [permissions];
  return list.some((p) => {
    const parsed = parsePermission(p);
    if (action && parsed.action && parsed.action !== action && !(parsed.action === 'write' && WRITE_ACTIONS.has(action))) return false;
    return held.has(parsed.role);
  });
}
