import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { InsightKind, InsightParams } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

/** A saved analytics query of a project: its kind and the parameters its analytics route takes. */
@Entity({ tableName: 'insights' })
export class Insight {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid' })
  projectId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 16 })
  kind!: InsightKind;

  @Property({ type: 'json' })
  params!: InsightParams;

  @Property({ type: 'Date' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'Date', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
