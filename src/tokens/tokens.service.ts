import type { Db, Executor } from '../db/schema.ts';
import { isForeignKeyViolation } from '../db/database.ts';
import { changedRows, type Steps } from '../db/steps.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { Clock, Random } from '../support/clock.ts';
import { uniqueId } from '../support/ids.ts';
import { hashSecret, safeEqual } from '../support/secrets.ts';
import { consumeTokenTemplate, deleteToken, deleteUserTokens, findLiveTokens, insertToken } from './tokens.repository.ts';
import type { TokenRow } from './tokens.ts';

export interface IssuedToken {
  token: TokenRow;
  secret: string;
}

export class TokensService {
  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
  ) {}

  async issue(
    input: { projectId: string; userId: string; type: number; secret: string; ttlSeconds: number; ip: string; userAgent: string; phrase?: string },
    db: Executor = this.db,
  ): Promise<IssuedToken> {
    const now = this.clock.now();
    const row = {
      project_id: input.projectId,
      id: uniqueId(this.clock, this.random),
      user_id: input.userId,
      type: input.type,
      secret_hash: hashSecret(input.secret),
      expire: now + input.ttlSeconds * 1000,
      phrase: input.phrase ?? '',
      ip: input.ip,
      user_agent: input.userAgent,
      created_at: now,
    };
    try {
      return { token: await insertToken(db, row), secret: input.secret };
    } catch (err) {
      // The user was deleted after the caller read it: the token's user is gone, not a server fault.
      if (isForeignKeyViolation(err)) throw new AppwriteError('user_not_found');
      throw err;
    }
  }

  /** The user's live token of one of `types` whose secret matches, compared in constant time. */
  async find(db: Executor, projectId: string, userId: string, types: readonly number[], secret: string): Promise<TokenRow | null> {
    const hash = hashSecret(secret);
    let match: TokenRow | null = null;
    for (const t of await findLiveTokens(db, projectId, userId, types, this.clock.now())) {
      if (safeEqual(t.secret_hash, hash)) match = t;
    }
    return match;
  }

  /** Deletes the token, as a step of the caller's transaction; false when another request consumed it first. */
  *consumeSteps(projectId: string, tokenId: string): Steps<boolean> {
    return (yield* changedRows(consumeTokenTemplate, { project_id: projectId, id: tokenId })) === 1;
  }

  /** Deletes the token inside the caller's transaction; false when another request consumed it first. */
  consume(trx: Executor, projectId: string, tokenId: string): Promise<boolean> {
    return deleteToken(trx, projectId, tokenId);
  }

  /** Deletes the user's outstanding tokens of these types; returns how many. */
  deleteOfUser(projectId: string, userId: string, types: readonly number[]): Promise<number> {
    return deleteUserTokens(this.db, projectId, userId, types);
  }
}
