import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { AlertNotificationKind, NotificationKind } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';
import type { NotificationContent } from './delivery.content';

export type DeliveryChannelType = 'email' | 'webhook' | 'in_app' | 'slack' | 'teams' | 'discord' | 'telegram';
/** `suppressed`: recorded but never sent, the organisation's hourly budget of notifications being spent. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'suppressed';

/**
 * One notification through one channel of its alert. Alert ids are plain values, not foreign keys:
 * the alerts area owns those tables, and a delivery outlives nothing it points at (deleting an
 * alert deletes its deliveries through DeliveryService.deleteForAlerts).
 */
@Entity({ tableName: 'deliveries' })
export class Delivery {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid' })
  projectId!: string;

  @Property({ type: 'uuid' })
  alertId!: string;

  @Property({ type: 'uuid' })
  notificationId!: string;

  /** The channel's position in the alert's list: with notificationId, what makes enqueue idempotent. */
  @Property({ type: 'integer' })
  channelIndex!: number;

  @Property({ type: 'string', length: 16 })
  channel!: DeliveryChannelType;

  @Property({ type: 'string', length: 16 })
  kind!: AlertNotificationKind;

  /**
   * What the history shows: the address, the webhook URL without its query, a chat URL's origin and
   * `/…`, `telegram:<chatId>`; null for in-app.
   */
  @Property({ type: 'text', nullable: true })
  target: string | null = null;

  /** The webhook URL as given, query included. */
  @Property({ type: 'text', nullable: true })
  url: string | null = null;

  /**
   * The webhook's signing secret, or a chat's URL or bot token, sealed as the alert keeps it. Kept
   * here (not in the Redis job) while attempts remain, and erased once the delivery is final.
   */
  @Property({ type: 'text', nullable: true })
  secret: string | null = null;

  /** The exact webhook or chat body, so that every retry sends (and signs) the same bytes. */
  @Property({ type: 'text', nullable: true })
  body: string | null = null;

  @Property({ type: 'json' })
  content!: NotificationContent;

  @Property({ type: 'string', length: 16 })
  status: DeliveryStatus & Opt = 'pending';

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}

/** One try of a delivery, as the receiver (or the network) answered it. */
@Entity({ tableName: 'delivery_attempts' })
export class DeliveryAttempt {
  @PrimaryKey({ type: 'uuid' })
  deliveryId!: string;

  /** 1 for the first try. */
  @PrimaryKey({ type: 'integer' })
  attempt!: number;

  @Property({ type: 'datetime' })
  at!: Date;

  @Property({ type: 'integer', nullable: true })
  statusCode: number | null = null;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'integer' })
  durationMs!: number;
}

/** An in-app notification: one per notification, seen by every member of the organisation. */
@Entity({ tableName: 'in_app_notifications' })
export class InAppNotification {
  /** The notification's id, so that a retried or repeated in-app delivery adds no second row. */
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  orgId!: string;

  /** Null for a notice about the whole organisation (its event quota). */
  @Property({ type: 'uuid', nullable: true })
  projectId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  alertId: string | null = null;

  @Property({ type: 'string', length: 16 })
  kind!: NotificationKind;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'double', nullable: true })
  value: number | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}

/** That a user has read an in-app notification. */
@Entity({ tableName: 'notification_reads' })
export class NotificationRead {
  @PrimaryKey({ type: 'uuid' })
  notificationId!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'datetime' })
  readAt!: Date;
}
