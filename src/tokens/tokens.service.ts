import type { Db, Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import { uniqueId } from '../support/ids.ts';
import { hashSecret, safeEqual } from '../support/secrets.ts';
import { consumeToken, findLiveTokens, insertToken } from './tokens.repository.ts';
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
    const token = await insertToken(db, {
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
    });
    return { token, secret: input.secret };
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

  /** Deletes the token; false when another request consumed it first. */
  consume(db: Executor, projectId: string, tokenId: string): Promise<boolean> {
    return consumeToken(db, projectId, tokenId);
  }
}
