import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';

/**
 * How long verifiers may cache the key set. A rotation's new key signs at once; verifiers (jose's
 * createRemoteJWKSet, tessera/verify) re-fetch when a token names a kid they do not hold.
 */
const JWKS_MAX_AGE_S = 300;

/** Public, unauthenticated discovery of the account-JWT keys (no project, as an OpenID issuer's). */
export function jwtRoutes(c: Pick<Container, 'jwt'>) {
  return async (app: FastifyInstance) => {
    app.get('/.well-known/jwks.json', async (_req, reply) => {
      reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_S}`);
      return c.jwt.currentJwks();
    });

    app.get('/.well-known/openid-configuration', async (_req, reply) => {
      reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_S}`);
      return {
        issuer: c.jwt.issuer,
        jwks_uri: c.jwt.jwksUri,
        id_token_signing_alg_values_supported: ['EdDSA'],
        subject_types_supported: ['public'],
        claims_supported: ['iss', 'aud', 'sub', 'sid', 'iat', 'exp', 'userId', 'sessionId', 'roles'],
      };
    });
  };
}
