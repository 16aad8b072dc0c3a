import { Entity, Index, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { ChainChange, ChainDto } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

/**
 * One change of the catalog, written in the transaction of the change itself: an admin rewriting
 * RPC templates (every customer's endpoint URLs) always leaves who, when, before and after.
 * Rows are only ever inserted.
 */
@Entity({ tableName: 'chain_audit' })
@Index({ properties: ['at', 'id'] })
@Index({ properties: ['chainSlug', 'at', 'id'] })
export class ChainAuditEntry {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  // Milliseconds, as JavaScript has them, so that a cursor holds the exact value.
  @Property({ type: 'datetime', length: 3 })
  at!: Date;

  @Property({ type: 'string', length: 16 })
  change!: ChainChange;

  /** Not a foreign key: the entry outlives a deleted chain. */
  @Property({ type: 'string', length: 48 })
  chainSlug!: string;

  @Property({ type: 'uuid' })
  actorUserId!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  actorEmail: string | null = null;

  @Property({ type: 'json' })
  fields!: string[];

  @Property({ type: 'json', nullable: true })
  before: ChainDto | null = null;

  @Property({ type: 'json', nullable: true })
  after: ChainDto | null = null;
}
