import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Delivery, DeliveryAttempt, type DeliveryStatus } from './delivery.entities';

export interface AttemptRecord {
  attempt: number;
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * All PostgreSQL access to deliveries and their attempts. Every read and write takes the
 * organisation id, so that no query reaches another tenant's deliveries.
 */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Inserts the deliveries that do not exist yet; one already made for the same notification and
   * channel (a repeated enqueue) is kept as it is, with its own id and body.
   */
  async insertNew(deliveries: Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const rows = deliveries.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)').join(', ');
    const values = deliveries.flatMap((delivery) => [
      delivery.id,
      delivery.orgId,
      delivery.projectId,
      delivery.alertId,
      delivery.notificationId,
      delivery.channelIndex,
      delivery.channel,
      delivery.kind,
      delivery.target,
      delivery.url,
      delivery.secret,
      delivery.body,
      JSON.stringify(delivery.content),
      delivery.status,
      delivery.createdAt,
      delivery.updatedAt,
    ]);
    await this.em.execute(
      `insert into "notifications"."deliveries" ("id", "org_id", "project_id", "alert_id", "notification_id",
         "channel_index", "channel", "kind", "target", "url", "secret", "body", "content", "status",
         "created_at", "updated_at")
       values ${rows}
       on conflict ("notification_id", "channel_index") do nothing`,
      values,
    );
  }

  findPendingOfNotification(orgId: string, notificationId: string): Promise<Delivery[]> {
    return this.em.find(
      Delivery,
      { orgId, notificationId, status: 'pending' },
      { orderBy: { channelIndex: 'asc' } },
    );
  }

  findDelivery(orgId: string, deliveryId: string): Promise<Delivery | null> {
    return this.em.findOne(Delivery, { id: deliveryId, orgId }, { refresh: true });
  }

  /** The deliveries of these notifications, oldest channel first, with their attempts. */
  async listForNotifications(
    orgId: string,
    notificationIds: string[],
  ): Promise<Array<{ delivery: Delivery; attempts: DeliveryAttempt[] }>> {
    if (notificationIds.length === 0) return [];
    const deliveries = await this.em.find(
      Delivery,
      { orgId, notificationId: { $in: notificationIds } },
      { orderBy: { createdAt: 'asc', notificationId: 'asc', channelIndex: 'asc' } },
    );
    if (deliveries.length === 0) return [];
    const attempts = await this.em.find(
      DeliveryAttempt,
      { deliveryId: { $in: deliveries.map((delivery) => delivery.id) } },
      { orderBy: { deliveryId: 'asc', attempt: 'asc' } },
    );
    return deliveries.map((delivery) => ({
      delivery,
      attempts: attempts.filter((attempt) => attempt.deliveryId === delivery.id),
    }));
  }

  /**
   * Records an attempt and, when it settles the delivery, its final status; the webhook secret is
   * erased then, as no attempt will need it again. A re-run of the same attempt (a job BullMQ found
   * stalled) overwrites its record rather than adding one.
   */
  async recordAttempt(
    orgId: string,
    deliveryId: string,
    attempt: AttemptRecord,
    status: DeliveryStatus,
  ): Promise<void> {
    await this.em.transactional(async (em) => {
      const updated = await em.execute<{ id: string }[]>(
        `update "notifications"."deliveries"
         set "status" = ?, "updated_at" = now(), "secret" = case when ? then null else "secret" end
         where "id" = ? and "org_id" = ?
         returning "id"`,
        [status, status !== 'pending', deliveryId, orgId],
      );
      // Deleted meanwhile (its alert was): nothing to record against.
      if (updated.length === 0) return;
      await em.execute(
        `insert into "notifications"."delivery_attempts"
           ("delivery_id", "attempt", "at", "status_code", "error", "duration_ms")
         values (?, ?, ?, ?, ?, ?)
         on conflict ("delivery_id", "attempt") do update set
           "at" = excluded."at", "status_code" = excluded."status_code",
           "error" = excluded."error", "duration_ms" = excluded."duration_ms"`,
        [deliveryId, attempt.attempt, attempt.at, attempt.statusCode, attempt.error, attempt.durationMs],
      );
    });
  }

  /** Deletes the deliveries of these alerts (their attempts go with them); answers the pending ones' ids. */
  async deleteForAlerts(orgId: string, alertIds: string[]): Promise<string[]> {
    if (alertIds.length === 0) return [];
    const rows = await this.em.execute<{ id: string; status: DeliveryStatus }[]>(
      `delete from "notifications"."deliveries" where "org_id" = ? and "alert_id" in (${placeholders(alertIds)})
       returning "id", "status"`,
      [orgId, ...alertIds],
    );
    return rows.filter((row) => row.status === 'pending').map((row) => row.id);
  }
}

/** `?, ?, ?`: one bound parameter per value (the driver would not expand an array in raw SQL). */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
