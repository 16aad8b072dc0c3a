import { Injectable } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { TenancyEvents, type ProjectDeletedEvent } from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { DashboardsService } from './dashboards.service';

/**
 * A deleted project's insights and dashboards go, share links with them (durable: delivered even when
 * analytics was down meanwhile).
 */
@Injectable()
export class ProjectDeletedListener {
  constructor(
    private readonly dashboards: DashboardsService,
    // Read by @CreateRequestContext: an event is handled outside any bus request's context.
    readonly orm: MikroORM,
  ) {}

  @DurableEventHandler(TenancyEvents.projectDeleted)
  @CreateRequestContext()
  async onProjectDeleted(event: ProjectDeletedEvent): Promise<void> {
    await this.dashboards.deleteProject(event);
  }
}
