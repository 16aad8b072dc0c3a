import { Injectable } from '@nestjs/common';
import { TenancyEvents, type ProjectDeletedEvent } from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { EventStoreService } from '../event-store/event-store.service';

/** A deleted project's events are deleted too (durable: delivered even when ingestion was down meanwhile). */
@Injectable()
export class ProjectDeletedListener {
  constructor(private readonly events: EventStoreService) {}

  @DurableEventHandler(TenancyEvents.projectDeleted)
  async onProjectDeleted(event: ProjectDeletedEvent): Promise<void> {
    await this.events.forgetProject(event);
  }
}
