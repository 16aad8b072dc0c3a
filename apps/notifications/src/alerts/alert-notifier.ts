import { Injectable } from '@nestjs/common';
import type { NotificationKind } from '@northstar/contracts';
import { DeliveryService } from '../delivery/delivery.service';
import type { AlertEvent } from './alert-event.entity';
import type { Alert } from './alert.entity';

/** Hands a history entry of an alert to the deliveries, through every channel of the alert. */
@Injectable()
export class AlertNotifier {
  constructor(private readonly delivery: DeliveryService) {}

  /** Idempotent per entry: the deliveries derive from its id. */
  notify(alert: Alert, entry: AlertEvent): Promise<void> {
    return this.delivery.enqueue({
      notificationId: entry.id,
      kind: entry.kind as NotificationKind,
      orgId: alert.orgId,
      projectId: alert.projectId,
      alert: {
        id: alert.id,
        name: alert.name,
        metric: alert.metric,
        comparator: alert.comparator,
        threshold: alert.threshold,
        windowSeconds: alert.windowSeconds,
        filter: { ...alert.filter } as Record<string, string | number>,
      },
      value: entry.value,
      at: entry.at.toISOString(),
      channels: alert.channels.map((channel) => ({ ...channel })),
    });
  }
}
