import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * A login: one refresh-token family. Each refresh replaces `refreshTokenHash` and files the old hash
 * under UsedRefreshToken, so a used token presented again is recognised as reuse.
 */
@Entity({ tableName: 'sessions' })
export class Session {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent: string | null = null;

  /** The address of the latest login or refresh. */
  @Property({ type: 'string', length: 64 })
  ip!: string;

  @Property({ type: 'string', length: 64, unique: true })
  refreshTokenHash!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  lastUsedAt: Date & Opt = new Date();

  /** The current refresh token's expiry: every refresh extends the session by the full lifetime. */
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;

  /**
   * `oidc:<provider id>` when an identity provider signed this session in: its tokens say so at every
   * refresh, for organisations that trust that provider's own MFA. Null for password sign-ins.
   */
  @Property({ type: 'string', length: 40, nullable: true })
  mfaVia: string | null = null;
}

/** A refresh token that was traded in: presenting it again revokes its session. */
@Entity({ tableName: 'used_refresh_tokens' })
export class UsedRefreshToken {
  @PrimaryKey({ type: 'string', length: 64 })
  tokenHash!: string;

  @Property({ type: 'uuid' })
  sessionId!: string;

  @Property({ type: 'datetime' })
  usedAt: Date & Opt = new Date();
}
