import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';

export const USER_TOKEN_PURPOSES = ['verify_email', 'reset_password'] as const;
export type UserTokenPurpose = (typeof USER_TOKEN_PURPOSES)[number];

/** A single-use emailed token (email verification, password reset), stored as its SHA-256 only. */
@Entity({ tableName: 'user_tokens' })
export class UserToken {
  @PrimaryKey({ type: 'string', length: 64 })
  tokenHash!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 32 })
  purpose!: UserTokenPurpose;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  usedAt: Date | null = null;
}
