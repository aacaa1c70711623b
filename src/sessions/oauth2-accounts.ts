import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/database.ts';
import type { Executor } from '../db/schema.ts';
import type { EventBus } from '../events/bus.ts';
import { event, type DomainEvent } from '../events/events.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { Project } from '../projects/projects.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import { uniqueId } from '../support/ids.ts';
import { isValidEmail } from '../support/validators.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { findUserById, insertUser, updateUser } from '../users/users.repository.ts';
import { assertUnderUserLimit } from '../policies/user-limit.ts';
import { searchText, type UserRow } from '../users/users.ts';
import { identitySearch, sealToken, type IdentityRow } from '../identities/identities.ts';
import { findIdentityByEmail, findIdentityByProviderUid, insertIdentity, updateIdentity } from '../identities/identities.repository.ts';
import type { ProviderProfile } from '../oauth2/adapters.ts';
import type { ProviderTokens } from '../oauth2/oauth2-client.ts';

/** Who signs in: the provider, its account, and the tokens it issued. */
export interface ProviderLogin {
  provider: string;
  profile: ProviderProfile;
  tokens: ProviderTokens;
}

export interface ResolvedAccount {
  user: UserRow;
  identity: IdentityRow;
}

/**
 * Appwrite's user resolution for an OAuth2 login (shared/reference/oauth2.md §5 steps 11-15): the same
 * provider account finds the same user; a verified provider e-mail links to the user holding it, an
 * unverified one is refused; a signed-in caller links the identity to itself; otherwise a user is
 * created (user limit applies). The writes (user, e-mail target, identity) are one transaction.
 */
export class OAuth2Accounts {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private sealer: Sealer,
    private users: UsersService,
    private targets: TargetsService,
    private bus: EventBus,
  ) {}

  async resolve(project: Project, login: ProviderLogin, caller: UserRow | null): Promise<ResolvedAccount> {
    try {
      return await this.resolveOnce(project, login, caller);
    } catch (err) {
      // A concurrent login of the same new account created it first: the second look finds it.
      if (!isUniqueViolation(err)) throw err;
      try {
        return await this.resolveOnce(project, login, caller);
      } catch (again) {
        if (isUniqueViolation(again)) throw new AppwriteError('user_already_exists');
        throw again;
      }
    }
  }

  private async resolveOnce(project: Project, login: ProviderLogin, caller: UserRow | null): Promise<ResolvedAccount> {
    const user = caller ? await this.linkingUser(project, login, caller) : await this.existingUser(project, login);
    if (user && user.status !== 1) throw new AppwriteError('user_blocked');
    if (!user) await this.users.assertUserLimit(project);
    return this.bus.transaction(async (trx, emit) => {
      const row = user ? await this.withProviderEmail(trx, project, user, login, emit) : await this.createUser(trx, project, login, emit);
      const identity = await this.upsertIdentity(trx, project, row, login);
      return { user: row, identity };
    });
  }

  /** A signed-in caller links the provider account to itself unless its e-mail is another user's. */
  private async linkingUser(project: Project, login: ProviderLogin, caller: UserRow): Promise<UserRow> {
    const email = login.profile.email.toLowerCase();
    if (email) {
      const db = this.database.db;
      if (await findIdentityByEmail(db, project.id, email, caller.id)) throw new AppwriteError('user_already_exists');
      const holder = await this.userByEmail(db, project.id, email);
      if (holder && holder.id !== caller.id) throw new AppwriteError('user_already_exists');
    }
    const owner = await findIdentityByProviderUid(this.database.db, project.id, login.provider, login.profile.uid);
    if (owner && owner.user_id !== caller.id) throw new AppwriteError('user_already_exists');
    return (await findUserById(this.database.db, project.id, caller.id)) ?? caller;
  }

  /** The user this provider account already belongs to, in Appwrite's order; null: a new user. */
  private async existingUser(project: Project, login: ProviderLogin): Promise<UserRow | null> {
    const db = this.database.db;
    const { uid, email: given, verified } = login.profile;
    const bySession = await findUserIdByProviderSession(db, project.id, login.provider, uid);
    if (bySession) return (await findUserById(db, project.id, bySession)) ?? null;
    const email = given.toLowerCase();
    if (!email) throw new AppwriteError('user_unauthorized', 'OAuth provider failed to return email.');
    const identity = await findIdentityByProviderUid(db, project.id, login.provider, uid);
    if (identity) return (await findUserById(db, project.id, identity.user_id)) ?? null;
    const holder = await this.userByEmail(db, project.id, email);
    if (holder) {
      if (!verified) throw new AppwriteError('general_bad_request');
      return holder;
    }
    const other = await findIdentityByEmail(db, project.id, email);
    if (other) {
      if (!verified) throw new AppwriteError('general_bad_request');
      return (await findUserById(db, project.id, other.user_id)) ?? null;
    }
    return null;
  }

  private userByEmail(db: Executor, projectId: string, email: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('email', '=', email).executeTakeFirst();
  }

  private async createUser(trx: Executor, project: Project, login: ProviderLogin, emit: (e: DomainEvent) => void): Promise<UserRow> {
    const email = login.profile.email.toLowerCase();
    if (!isValidEmail(email)) throw new AppwriteError('general_invalid_email');
    const id = uniqueId(this.clock, this.random);
    const fields = { id, email, phone: null, name: login.profile.name, password: null, passwordSet: false, emailVerification: login.profile.verified, accessed: true };
    await assertUnderUserLimit(trx, this.database.dialect, project.id, project.settings.auths.limit);
    const row = await insertUser(trx, project.id, fields, this.clock.now());
    await this.targets.addContactTargetsIn(trx, row);
    emit(event('users.[userId].create', project.id, { userId: id }, row));
    return row;
  }

  /**
   * A user without e-mail gets the provider's (verified if the provider says so, never unverified
   * by it); a user without a name gets the provider's.
   */
  private async withProviderEmail(trx: Executor, project: Project, user: UserRow, login: ProviderLogin, emit: (e: DomainEvent) => void): Promise<UserRow> {
    const email = login.profile.email.toLowerCase();
    const changes: Partial<UserRow> = {};
    if (!user.email && email && isValidEmail(email)) {
      changes.email = email;
      if (login.profile.verified) changes.email_verification = 1;
    }
    if (!user.name && login.profile.name) changes.name = login.profile.name;
    if (Object.keys(changes).length === 0) return user;
    const next = { ...user, ...changes };
    const row = await updateUser(trx, project.id, user.id, { ...changes, search: searchText(next), updated_at: this.clock.now() });
    if (!row) throw new AppwriteError('user_not_found');
    if (changes.email) await this.targets.addContactTargetsIn(trx, { ...row, phone: null });
    emit(event(changes.email ? 'users.[userId].update.email' : 'users.[userId].update.name', project.id, { userId: user.id }, row));
    return row;
  }

  /** The identity for (user, provider, uid): created, or its tokens replaced. */
  private async upsertIdentity(trx: Executor, project: Project, user: UserRow, login: ProviderLogin): Promise<IdentityRow> {
    const now = this.clock.now();
    const tokens = {
      provider_access_token: sealToken(this.sealer, project.id, user.id, login.tokens.accessToken),
      provider_refresh_token: sealToken(this.sealer, project.id, user.id, login.tokens.refreshToken),
      provider_access_token_expiry: login.tokens.accessTokenExpiry,
    };
    const existing = await findIdentityByProviderUid(trx, project.id, login.provider, login.profile.uid);
    if (existing && existing.user_id === user.id) {
      return (await updateIdentity(trx, project.id, existing.id, { ...tokens, updated_at: now }))!;
    }
    if (existing) throw new AppwriteError('user_already_exists');
    const email = login.profile.email.toLowerCase();
    if (email && (await findIdentityByEmail(trx, project.id, email, user.id))) throw new AppwriteError('general_bad_request');
    const row = { project_id: project.id, id: uniqueId(this.clock, this.random), user_id: user.id, provider: login.provider, provider_uid: login.profile.uid, provider_email: email, ...tokens, created_at: now, updated_at: now };
    return insertIdentity(trx, { ...row, search: identitySearch(row) });
  }
}

/** The user of a session this provider account opened before (Appwrite looks there first). */
async function findUserIdByProviderSession(db: Executor, projectId: string, provider: string, providerUid: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select('user_id')
    .where('project_id', '=', projectId)
    .where('provider', '=', provider)
    .where('provider_uid', '=', providerUid)
    .executeTakeFirst();
  return row?.user_id;
}
