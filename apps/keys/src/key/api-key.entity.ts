import { ArrayType, Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { KeyScope } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

/** An API key of a project. Its secrets (the current one, and one in its rotation grace) are KeySecrets. */
@Entity({ tableName: 'api_keys' })
export class ApiKey {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid' })
  projectId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** The first characters of the current secret, for people to recognise the key. */
  @Property({ type: 'string', length: 12 })
  prefix!: string;

  @Property({ type: ArrayType })
  scopes!: KeyScope[];

  @Property({ type: 'datetime', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'integer', nullable: true })
  rateLimit: number | null = null;

  @Property({ type: 'integer', nullable: true })
  rateLimitWindowSeconds: number | null = null;

  @Property({ type: 'uuid' })
  createdBy!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  /** Written in batches from the gateways' usage reports, never by the ORM's change tracking. */
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;

  /** Grows with every change: orders cached verification records, and locks concurrent edits. */
  @Property({ type: 'integer', version: true })
  version: number & Opt = 1;
}
