import { Injectable } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { TenancyEvents, type ProjectDeletedEvent } from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { AlertService } from './alert.service';

/** A deleted project's alerts stop (durable: delivered even when notifications was down meanwhile). */
@Injectable()
export class ProjectDeletedListener {
  constructor(
    private readonly alerts: AlertService,
    // Read by @CreateRequestContext: an event is handled outside any bus request's context.
    readonly orm: MikroORM,
  ) {}

  @DurableEventHandler(TenancyEvents.projectDeleted)
  @CreateRequestContext()
  async onProjectDeleted(event: ProjectDeletedEvent): Promise<void> {
    await this.alerts.deleteProject(event);
  }
}
