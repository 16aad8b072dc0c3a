import { Entity, ManyToOne, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ApiKey } from './api-key.entity';

/**
 * One secret of a key, stored only as the SHA-256 of the whole key. A key has one current secret;
 * a rotation adds the next one and gives the previous one an end (the end of its grace period), so
 * that both verify until then.
 */
@Entity({ tableName: 'key_secrets' })
export class KeySecret {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne(() => ApiKey, { fieldName: 'key_id', deleteRule: 'cascade' })
  key!: ApiKey;

  @Property({ type: 'string', length: 64, unique: true })
  hash!: string;

  @Property({ type: 'string', length: 12 })
  prefix!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  /** Set when a rotation replaces this secret: it stops verifying at this time. */
  @Property({ type: 'datetime', nullable: true })
  expiresAt: Date | null = null;
}
