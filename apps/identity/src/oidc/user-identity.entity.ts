import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** A provider account (issuer + subject) that signs a user in. */
@Entity({ tableName: 'user_identities' })
export class UserIdentity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  userId!: string;

  /** The configured provider id at link time, for display; the issuer is what identifies. */
  @Property({ type: 'string', length: 32 })
  provider!: string;

  @Property({ type: 'string', length: 1024 })
  issuer!: string;

  /** The `sub` claim: stable per issuer, unlike the email. */
  @Property({ type: 'string', length: 255 })
  subject!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Date | null = null;
}
