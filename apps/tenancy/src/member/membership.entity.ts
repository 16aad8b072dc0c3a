import { Entity, PrimaryKey, PrimaryKeyProp, Property, type Opt } from '@mikro-orm/core';
import type { OrgRole } from '@northstar/contracts';

@Entity({ tableName: 'memberships' })
export class Membership {
  [PrimaryKeyProp]?: ['orgId', 'userId'];

  @PrimaryKey({ type: 'uuid' })
  orgId!: string;

  /** A user of identity; tenancy never reads identity's tables, it asks over the bus. */
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  role!: OrgRole;

  @Property({ type: 'datetime' })
  joinedAt: Date & Opt = new Date();
}
