import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** Lower-cased (a check constraint holds it), so the unique index is case-insensitive. */
  @Property({ type: 'string', length: 254, unique: true })
  email!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** argon2id PHC string; never leaves the service. Null for a user made by single sign-on. */
  @Property({ type: 'text', hidden: true, nullable: true })
  passwordHash: string | null = null;

  @Property({ type: 'boolean' })
  emailVerified: boolean & Opt = false;

  /** A confirmed authenticator: sign-ins owe a second factor. Kept with the `totp_credentials` row. */
  @Property({ type: 'boolean' })
  mfaEnabled: boolean & Opt = false;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
