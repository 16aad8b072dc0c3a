import { BigIntType, Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';

/** A plan: rows the operator edits with SQL (docs/plans.md); tenancy only reads them. */
@Entity({ tableName: 'plans' })
export class Plan {
  @PrimaryKey({ type: 'string', length: 32 })
  id!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  // bigint: an operator may sell more than 2^31 events a month.
  @Property({ type: new BigIntType('number') })
  monthlyEvents!: number;

  @Property({ type: 'integer' })
  retentionDays!: number;

  @Property({ type: 'integer' })
  maxProjects!: number;

  @Property({ type: 'integer' })
  maxMembers!: number;

  @Property({ type: 'integer' })
  maxKeys!: number;

  /** Requests per minute of a key created without a rate limit of its own; null: none. */
  @Property({ type: 'integer', nullable: true })
  defaultKeyRateLimit: number | null = null;

  /** Where the plan comes in GET /v1/plans. */
  @Property({ type: 'integer' })
  position: number & Opt = 0;
}
