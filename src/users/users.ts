import type { Selectable } from 'kysely';
import type { UsersTable } from '../db/schema.ts';
import type { StoredPassword } from '../passwords/passwords.ts';

export type UserRow = Selectable<UsersTable>;

export function storedPassword(user: Pick<UserRow, 'password' | 'hash' | 'hash_options'>): StoredPassword | null {
  if (!user.password || !user.hash) return null;
  return { password: user.password, hash: user.hash as StoredPassword['hash'], hashOptions: JSON.parse(user.hash_options ?? '{}') };
}

/** The columns that hold a password hash. */
export function hashColumns(stored: StoredPassword): { password: string; hash: string; hash_options: string } {
  return { password: stored.password, hash: stored.hash, hash_options: JSON.stringify(stored.hashOptions) };
}

/** The text the `search` param matches: id, email, phone and name. */
export function searchText(u: { id: string; email: string | null; phone: string | null; name: string }): string {
  return [u.id, u.email ?? '', u.phone ?? '', u.name].join(' ').toLowerCase();
}

export interface NewUser {
  id: string;
  email: string | null;
  phone: string | null;
  name: string;
  password: StoredPassword | null;
  /** Whether the password counts as set by the user (passwordUpdate); import routes and create with password do. */
  passwordSet: boolean;
  emailVerification?: boolean;
  /** Client sign-ups count as an access; users created through the Users API have none yet. */
  accessed?: boolean;
  /** Start the password history with this password (the project keeps a history). */
  keepHistory?: boolean;
}
