import { Entity, PrimaryKey, Property, Unique, type Opt } from '@mikro-orm/core';
import type { ProjectKind } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

@Entity({ tableName: 'projects' })
@Unique({ properties: ['orgId', 'slug'] })
export class Project {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Unique within the organisation. */
  @Property({ type: 'string', length: 48 })
  slug!: string;

  @Property({ type: 'string', length: 16 })
  kind!: ProjectKind;

  /** Canonical IANA name. */
  @Property({ type: 'string', length: 64 })
  timezone: string & Opt = 'UTC';

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
