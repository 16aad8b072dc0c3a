import { Injectable } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { TenancyEvents, type ProjectDeletedEvent } from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { KeyService } from './key.service';

/** A deleted project's keys stop working on every gateway (durable: delivered even after a restart). */
@Injectable()
export class ProjectDeletedListener {
  constructor(
    private readonly keys: KeyService,
    // Read by @CreateRequestContext: an event is handled outside any bus request's context.
    readonly orm: MikroORM,
  ) {}

  @DurableEventHandler(TenancyEvents.projectDeleted)
  @CreateRequestContext()
  async onProjectDeleted(event: ProjectDeletedEvent): Promise<void> {
    await this.keys.revokeProject(event);
  }
}
