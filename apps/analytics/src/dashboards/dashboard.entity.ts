import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export interface StoredDashboardItem {
  insightId: string;
  position: number;
}

export interface StoredDashboardRange {
  lastHours?: number;
  from?: string;
  to?: string;
}

/**
 * An ordered layout of a project's insights, with its default range and zone. A live share link is
 * kept as the SHA-256 of its token only (unique: the link's lookup), never the token.
 */
@Entity({ tableName: 'dashboards' })
export class Dashboard {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid' })
  projectId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'json' })
  items: StoredDashboardItem[] & Opt = [];

  @Property({ type: 'json', nullable: true })
  range: (StoredDashboardRange & Opt) | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  timezone: (string & Opt) | null = null;

  @Property({ type: 'string', length: 64, nullable: true, unique: true })
  shareTokenHash: (string & Opt) | null = null;

  @Property({ type: 'Date', nullable: true })
  sharedAt: (Date & Opt) | null = null;

  @Property({ type: 'Date' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'Date', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
