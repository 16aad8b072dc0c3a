import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';

/** A user's authenticator: pending until a first code confirms it, then active. One per user. */
@Entity({ tableName: 'totp_credentials' })
export class TotpCredential {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  /** The base32 secret, sealed (AES-256-GCM, MFA_SECRETS_KEY); never leaves the service after enrolment. */
  @Property({ type: 'text', hidden: true })
  sealedSecret!: string;

  /** Null while pending: the enrolment is not active until a code proves the app holds the secret. */
  @Property({ type: 'datetime', nullable: true })
  confirmedAt: Date | null = null;

  /** The time step (30 s) of the last code accepted: that code and older ones are refused after it. */
  @Property({ type: 'bigint', nullable: true })
  lastUsedStep: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}

/** A single-use recovery code, stored as a hash only. */
@Entity({ tableName: 'recovery_codes' })
export class RecoveryCode {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @PrimaryKey({ type: 'string', length: 64 })
  codeHash!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  usedAt: Date | null = null;
}
