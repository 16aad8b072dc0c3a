import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type {
  AlertChatUrlType,
  AlertComparator,
  AlertMetric,
  AlertState,
  MetricAggregation,
} from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

/** The events an alert counts, as analytics takes them. */
export interface StoredAlertFilter {
  event?: string;
  type?: string;
  chainId?: number;
  userId?: string;
}

/**
 * A channel as stored: a webhook keeps its signing secret (needed as is to sign, so not hashed), sealed
 * (SecretBox). A chat channel's URL and a Telegram bot token are what lets anyone post to the chat, so
 * they are sealed the same way.
 */
export type StoredAlertChannel =
  | { type: 'email'; to: string }
  | { type: 'webhook'; url: string; secret: string; hint?: string }
  | { type: 'in_app' }
  | { type: AlertChatUrlType; url: string }
  | { type: 'telegram'; botToken: string; chatId: string };

/** A threshold rule on one analytics metric of a project, with the state of its last evaluation. */
@Entity({ tableName: 'alerts' })
export class Alert {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid' })
  projectId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** An event metric, or `custom:<name>` (a custom metric, combined with `aggregation`). */
  @Property({ type: 'string', length: 140 })
  metric!: AlertMetric;

  @Property({ type: 'string', length: 8, nullable: true })
  aggregation: (MetricAggregation & Opt) | null = null;

  @Property({ type: 'json' })
  filter: StoredAlertFilter & Opt = {};

  @Property({ type: 'string', length: 3 })
  comparator!: AlertComparator;

  @Property({ type: 'double' })
  threshold!: number;

  @Property({ type: 'integer' })
  windowSeconds!: number;

  @Property({ type: 'integer' })
  everySeconds!: number;

  @Property({ type: 'integer' })
  cooldownSeconds!: number;

  @Property({ type: 'boolean' })
  enabled: boolean & Opt = true;

  @Property({ type: 'json' })
  channels!: StoredAlertChannel[];

  @Property({ type: 'string', length: 8 })
  state: AlertState & Opt = 'ok';

  @Property({ type: 'double', nullable: true })
  lastValue: number | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastEvaluatedAt: Date | null = null;

  /** When it last notified firing (first or a reminder): the cooldown counts from here. */
  @Property({ type: 'datetime', nullable: true })
  lastNotifiedAt: Date | null = null;

  @Property({ type: 'uuid' })
  createdBy!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
