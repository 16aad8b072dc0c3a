import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { InAppNotification } from './delivery.entities';
import { placeholders } from './delivery.repository';

export interface InboxPosition {
  createdAt: Date;
  id: string;
}

export interface InboxRow {
  notification: InAppNotification;
  readAt: Date | null;
}

/**
 * PostgreSQL access to in-app notifications and their read state. Reads and writes take the
 * organisation ids they may touch; the one unscoped read answers only which organisation a
 * notification belongs to, for the membership check.
 */
@Injectable()
export class InboxRepository {
  constructor(private readonly em: EntityManager) {}

  /** Adds the notification once: a retried in-app delivery finds it there and adds nothing. */
  async insertOnce(notification: InAppNotification): Promise<void> {
    await this.em.execute(
      `insert into "notifications"."in_app_notifications"
         ("id", "org_id", "project_id", "alert_id", "kind", "title", "body", "value", "created_at")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict ("id") do nothing`,
      [
        notification.id,
        notification.orgId,
        notification.projectId,
        notification.alertId,
        notification.kind,
        notification.title,
        notification.body,
        notification.value,
        notification.createdAt,
      ],
    );
  }

  /** A page of the notifications of these organisations, newest first, with this user's read time. */
  async list(
    orgIds: string[],
    userId: string,
    after: InboxPosition | null,
    limit: number,
  ): Promise<InboxRow[]> {
    if (orgIds.length === 0) return [];
    const position = after ? `and ("n"."created_at", "n"."id") < (?, ?::uuid)` : '';
    const rows = await this.em.execute<Array<Record<string, unknown>>>(
      `select "n".*, "r"."read_at" as "reader_read_at"
       from "notifications"."in_app_notifications" "n"
       left join "notifications"."notification_reads" "r"
         on "r"."notification_id" = "n"."id" and "r"."user_id" = ?
       where "n"."org_id" in (${placeholders(orgIds)}) ${position}
       order by "n"."created_at" desc, "n"."id" desc
       limit ?`,
      [userId, ...orgIds, ...(after ? [after.createdAt, after.id] : []), limit],
    );
    return rows.map((row) => ({
      notification: this.em.map(InAppNotification, row),
      readAt: row['reader_read_at'] == null ? null : new Date(row['reader_read_at'] as string | Date),
    }));
  }

  async findOrgOf(notificationId: string): Promise<string | null> {
    const rows = await this.em.execute<{ org_id: string }[]>(
      `select "org_id" from "notifications"."in_app_notifications" where "id" = ?`,
      [notificationId],
    );
    return rows[0]?.org_id ?? null;
  }

  /** Idempotent: the first read time stays. */
  async markRead(orgId: string, notificationId: string, userId: string, at: Date): Promise<void> {
    await this.em.execute(
      `insert into "notifications"."notification_reads" ("notification_id", "user_id", "read_at")
       select "id", ?, ? from "notifications"."in_app_notifications" where "id" = ? and "org_id" = ?
       on conflict ("notification_id", "user_id") do nothing`,
      [userId, at, notificationId, orgId],
    );
  }

  async deleteForAlerts(orgId: string, alertIds: string[]): Promise<void> {
    if (alertIds.length === 0) return;
    await this.em.execute(
      `delete from "notifications"."in_app_notifications" where "org_id" = ? and "alert_id" in (${placeholders(alertIds)})`,
      [orgId, ...alertIds],
    );
  }
}
