import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { AlertState, AlertNotificationKind } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

/** One notification of an alert (its history entry); its deliveries are keyed by this id. */
@Entity({ tableName: 'alert_events' })
export class AlertEvent {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid' })
  alertId!: string;

  @Property({ type: 'string', length: 8 })
  kind!: AlertNotificationKind;

  @Property({ type: 'string', length: 8 })
  state!: AlertState;

  @Property({ type: 'double', nullable: true })
  value: number | null = null;

  @Property({ type: 'datetime' })
  at!: Date;
}
