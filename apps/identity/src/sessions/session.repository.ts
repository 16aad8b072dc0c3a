import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Session, UsedRefreshToken } from './session.entity';

export interface SessionCursor {
  createdAt: Date;
  id: string;
}

/** PostgreSQL access to sessions and their refresh tokens. */
@Injectable()
export class SessionRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(session: Session): Promise<Session> {
    await this.em.persistAndFlush(session);
    return session;
  }

  findByRefreshTokenHash(tokenHash: string): Promise<Session | null> {
    return this.em.findOne(Session, { refreshTokenHash: tokenHash });
  }

  /** The session a traded-in refresh token belonged to, if the hash is one. */
  async findByUsedTokenHash(tokenHash: string): Promise<Session | null> {
    const used = await this.em.findOne(UsedRefreshToken, { tokenHash });
    return used ? this.em.findOne(Session, { id: used.sessionId }) : null;
  }

  /**
   * Replaces the session's refresh token, provided `currentHash` is still its token and it is not
   * revoked, and files the old hash as used. False when another request traded the token in first.
   * Call inside a transaction.
   */
  async rotate(
    session: Session,
    currentHash: string,
    next: { tokenHash: string; expiresAt: Date; ip: string; now: Date },
  ): Promise<boolean> {
    const updated = await this.em.nativeUpdate(
      Session,
      { id: session.id, userId: session.userId, refreshTokenHash: currentHash, revokedAt: null },
      { refreshTokenHash: next.tokenHash, expiresAt: next.expiresAt, ip: next.ip, lastUsedAt: next.now },
    );
    if (updated !== 1) return false;
    await this.em.insert(UsedRefreshToken, {
      tokenHash: currentHash,
      sessionId: session.id,
      usedAt: next.now,
    });
    return true;
  }

  /** Revokes one of the user's sessions; false when it is not an active session of that user. */
  async revoke(userId: string, sessionId: string, now: Date): Promise<boolean> {
    const updated = await this.em.nativeUpdate(
      Session,
      { id: sessionId, userId, revokedAt: null, expiresAt: { $gt: now } },
      { revokedAt: now },
    );
    return updated === 1;
  }

  /**
   * Revokes every session of the user, but `keepSessionId` if given. Answers the ids of those that
   * were still live: only they can have access tokens left that gateways must refuse.
   */
  async revokeAll(userId: string, now: Date, keepSessionId?: string): Promise<string[]> {
    const rows = await this.em
      .createQueryBuilder(Session)
      .update({ revokedAt: now })
      .where({ userId, revokedAt: null, ...(keepSessionId ? { id: { $ne: keepSessionId } } : {}) })
      .returning(['id', 'expiresAt'])
      .execute<{ id: string; expiresAt: Date }[]>('all', true);
    return rows.filter((row) => new Date(row.expiresAt) > now).map((row) => row.id);
  }

  /** Whether the session is the user's, not revoked and not expired: one primary-key read. */
  async isActive(userId: string, sessionId: string, now: Date): Promise<boolean> {
    const found = await this.em.count(Session, {
      id: sessionId,
      userId,
      revokedAt: null,
      expiresAt: { $gt: now },
    });
    return found === 1;
  }

  /** The user's live sessions, newest first, after the cursor. */
  listActive(userId: string, now: Date, limit: number, after: SessionCursor | null): Promise<Session[]> {
    const page = after
      ? {
          $or: [
            { createdAt: { $lt: after.createdAt } },
            { createdAt: after.createdAt, id: { $lt: after.id } },
          ],
        }
      : {};
    return this.em.find(
      Session,
      { userId, revokedAt: null, expiresAt: { $gt: now }, ...page },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit },
    );
  }
}
