import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { UserToken, type UserTokenPurpose } from './user-token.entity';

/** The emailed single-use tokens, found by their hash. */
@Injectable()
export class UserTokenRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(token: UserToken): Promise<void> {
    await this.em.persistAndFlush(token);
  }

  /**
   * Marks the token used and answers its user, or null when it is unknown, of another purpose, used
   * or expired. The conditional update makes two concurrent uses of one token succeed only once.
   */
  async consume(purpose: UserTokenPurpose, tokenHash: string, now: Date): Promise<string | null> {
    const token = await this.em.findOne(UserToken, { tokenHash, purpose });
    if (!token || token.usedAt !== null || token.expiresAt <= now) return null;
    const updated = await this.em.nativeUpdate(
      UserToken,
      { tokenHash, purpose, usedAt: null, expiresAt: { $gt: now } },
      { usedAt: now },
    );
    return updated === 1 ? token.userId : null;
  }

  /** Makes every unused token of this user and purpose unusable (older reset links after a reset). */
  async retireAll(userId: string, purpose: UserTokenPurpose, now: Date): Promise<void> {
    await this.em.nativeUpdate(UserToken, { userId, purpose, usedAt: null }, { usedAt: now });
  }
}
