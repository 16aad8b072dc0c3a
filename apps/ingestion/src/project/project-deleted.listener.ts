import { Injectable } from '@nestjs/common';
import { TenancyEvents, type ProjectDeletedEvent } from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { EventStoreService } from '../event-store/event-store.service';
import { MetricStoreRepository } from '../metric-store/metric-store.repository';

/** A deleted project's events and metric points are deleted too (durable: delivered even when ingestion was down meanwhile). */
@Injectable()
export class ProjectDeletedListener {
  constructor(
    private readonly events: EventStoreService,
    private readonly metrics: MetricStoreRepository,
  ) {}

  @DurableEventHandler(TenancyEvents.projectDeleted)
  async onProjectDeleted(event: ProjectDeletedEvent): Promise<void> {
    await this.events.forgetProject(event);
    await this.metrics.deleteProject(event.projectId);
  }
}
