import { Injectable } from '@nestjs/common';
import { AnalyticsSubjects } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import type { Alert } from './alert.entity';

/** The alert's metric over [at - windowSeconds, at), asked of analytics as the notifications service. */
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
      filters: { ...alert.filter } as Record<string, string | number>,
    });
    return answer.value;
  }
}
