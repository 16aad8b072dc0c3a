import { Injectable, Logger } from '@nestjs/common';
import type { AlertNotificationKind } from '@northstar/contracts';
import { NotificationLimits } from '../common/notification-limits';
import { DeliveryService } from '../delivery/delivery.service';
import type { AlertEvent } from './alert-event.entity';
import type { Alert } from './alert.entity';

/** Hands a history entry of an alert to the deliveries, through every channel of the alert. */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger(AlertNotifier.name);

  constructor(
    private readonly delivery: DeliveryService,
    private readonly limits: NotificationLimits,
  ) {}

  /**
   * Idempotent per entry: the deliveries derive from its id, and so does the budget's decision. Past
   * the organisation's hourly budget the deliveries are recorded as suppressed instead of sent.
   */
  async notify(alert: Alert, entry: AlertEvent): Promise<void> {
    const suppressed = !(await this.limits.allowNotification(alert.orgId, entry.id));
    if (suppressed) {
      this.logger.warn(
        `Alert ${alert.id}: notification ${entry.id} suppressed, its organisation's hourly budget is spent`,
      );
    }
    return this.delivery.enqueue({
      notificationId: entry.id,
      kind: entry.kind as AlertNotificationKind,
      orgId: alert.orgId,
      projectId: alert.projectId,
      alert: {
        id: alert.id,
        name: alert.name,
        metric: alert.metric,
        ...(alert.aggregation ? { aggregation: alert.aggregation } : {}),
        comparator: alert.comparator,
        threshold: alert.threshold,
        windowSeconds: alert.windowSeconds,
        filter: { ...alert.filter } as Record<string, string | number>,
      },
      value: entry.value,
      at: entry.at.toISOString(),
      channels: alert.channels.map((channel) => ({ ...channel })),
      suppressed,
    });
  }
}
