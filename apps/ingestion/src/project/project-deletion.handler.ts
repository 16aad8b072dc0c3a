import { Injectable } from '@nestjs/common';
import { TenancyEvents, type ProjectDeletedEvent } from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { EventStoreService } from '../event-store/event-store.service';

/** A deleted project's events are deleted too (durable event: at least once, and the delete is idempotent). */
@Injectable()
export class ProjectDeletionHandler {
  constructor(private readonly events: EventStoreService) {}

  @DurableEventHandler(TenancyEvents.projectDeleted)
  projectDeleted(event: ProjectDeletedEvent): Promise<void> {
    return this.events.forgetProject(event.projectId, new Date(event.deletedAt));
  }
}
