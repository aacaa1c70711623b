import type { Container } from '../container.ts';
import { RETIRED_KEY_KEPT_MS } from '../jwt/jwt-keyring.ts';

/**
 * Adds a new current JWT signing key. Tokens signed with the previous key keep verifying (here and in
 * every verifier that re-fetches the JWKS) for RETIRED_KEY_KEPT_MS; running servers sign with the new
 * key within a minute, and verify its tokens as soon as one reaches them.
 */
export async function jwtRotate(c: Container) {
  const { kid, verifying } = await c.jwt.keyring.rotate();
  return { kid, verifying, retiredKeysVerifyForSeconds: RETIRED_KEY_KEPT_MS / 1000 };
}
