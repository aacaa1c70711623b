import { Account, AuthenticatorType, ID, Users } from 'node-appwrite';
import type { TestServer } from '../../harness.ts';
import { totpCode } from '../../../src/mfa/totp.ts';

export const PASSWORD = 'mfa-password-1';

export interface SignedIn {
  userId: string;
  secret: string;
  account: Account;
}

/** A user with email and password (optionally verified email / phone), signed in by password: factors [password]. */
export async function signedIn(t: TestServer, email: string, opts: { verifiedEmail?: boolean; phone?: string; mfa?: boolean } = {}): Promise<SignedIn> {
  const users = new Users(t.server());
  const user = await users.create({ userId: ID.unique(), email, password: PASSWORD, phone: opts.phone });
  if (opts.verifiedEmail) await users.updateEmailVerification({ userId: user.$id, emailVerification: true });
  if (opts.phone) await users.updatePhoneVerification({ userId: user.$id, phoneVerification: true });
  if (opts.mfa) await users.updateMFA({ userId: user.$id, mfa: true });
  return login(t, user.$id, email);
}

export async function login(t: TestServer, userId: string, email: string): Promise<SignedIn> {
  const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
  return { userId, secret: session.secret, account: new Account(t.withSession(session.secret)) };
}

/** The code the authenticator app would show now (the server's clock). */
export function codeNow(t: TestServer, secret: string, offsetMs = 0): string {
  return totpCode(secret, t.container.clock.now() + offsetMs);
}

/** Adds a verified TOTP authenticator through the Account API; returns its seed. */
export async function addTotp(t: TestServer, account: Account): Promise<string> {
  const { secret } = await account.createMFAAuthenticator({ type: AuthenticatorType.Totp });
  await account.updateMFAAuthenticator({ type: AuthenticatorType.Totp, otp: codeNow(t, secret) });
  return secret;
}
