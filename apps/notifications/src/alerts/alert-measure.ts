import { Injectable } from '@nestjs/common';
import { AnalyticsSubjects, customMetricName } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import type { Alert } from './alert.entity';

/**
 * The alert's metric over [at - windowSeconds, at), asked of analytics as the notifications service:
 * an event metric with the alert's filter, or a custom metric's points combined by its aggregation.
 */
@Injectable()
export class AlertMeasure {
  constructor(private readonly bus: BusClient) {}

  async valueOf(alert: Alert, at: Date): Promise<number> {
    const answer = await this.bus.send(AnalyticsSubjects.metric, {
      caller: { service: { name: 'notifications', projectId: alert.projectId } },
      projectId: alert.projectId,
      metric: alert.metric,
      from: new Date(at.getTime() - alert.windowSeconds * 1000).toISOString(),
      to: at.toISOString(),
      ...(customMetricName(alert.metric) !== null
        ? { aggregation: alert.aggregation ?? 'avg' }
        : { filters: { ...alert.filter } as Record<string, string | number> }),
    });
    return answer.value;
  }
}
