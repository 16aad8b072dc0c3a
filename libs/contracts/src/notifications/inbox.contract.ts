import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsUUID, ValidateNested } from 'class-validator';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import type { Rpc } from '../rpc';
import { QUOTA_WARNINGS } from './quota.contract';

/**
 * Request/reply subjects of the in-app inbox (notifications service). An in-app notification belongs
 * to an organisation; every member of that organisation sees it, each with their own read state, and
 * membership is checked when the inbox is read (a member who leaves stops seeing them).
 */
export const InboxSubjects = {
  list: 'notifications.inbox.list',
  markRead: 'notifications.inbox.read',
} as const;

/** Why an alert notification was sent: the alert started firing, resolved, or someone pressed "test". */
export const ALERT_NOTIFICATION_KINDS = ['firing', 'resolved', 'test'] as const;
export type AlertNotificationKind = (typeof ALERT_NOTIFICATION_KINDS)[number];

/**
 * What an in-app notification is about: an alert, or the organisation's monthly event quota (80 % or
 * 100 % used, or forecast to run out this month).
 */
export const NOTIFICATION_KINDS = [...ALERT_NOTIFICATION_KINDS, ...QUOTA_WARNINGS] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export class InAppNotificationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: NOTIFICATION_KINDS })
  kind!: NotificationKind;

  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'null for organisation-wide notices (quota)',
  })
  projectId!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  alertId!: string | null;

  @ApiProperty({ example: 'Checkout errors is firing' })
  title!: string;

  @ApiProperty({ example: 'events = 132 (gt 100) over the last 300 s' })
  body!: string;

  @ApiPropertyOptional({ description: 'The measured value, when the notification is about one' })
  value?: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  readAt!: string | null;
}

export class InAppNotificationPage extends PageResponse(InAppNotificationDto) {}

export class NotificationIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a notification id' })
  id!: string;
}

/** The caller's notifications, newest first (`limit`, `cursor` as every list). */
export class ListInboxRequest extends PageQuery {
  @IsDefined()
  @ValidateNested()
  @Type(() => Actor)
  actor!: Actor;
}

/** Marks one notification read for the caller; idempotent. Not the caller's: not_found. */
export class MarkNotificationReadRequest extends NotificationIdParams {
  @IsDefined()
  @ValidateNested()
  @Type(() => Actor)
  actor!: Actor;
}

export interface InboxContract {
  [InboxSubjects.list]: Rpc<ListInboxRequest, InAppNotificationPage>;
  [InboxSubjects.markRead]: Rpc<MarkNotificationReadRequest, void>;
}
