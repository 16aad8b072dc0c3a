import { Injectable, Logger } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { TenancyEvents, type ProjectDeletedEvent } from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { KeyService } from './key.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A deleted project's keys stop working on every gateway (durable: delivered even after a restart). */
@Injectable()
export class ProjectDeletedListener {
  private readonly logger = new Logger(ProjectDeletedListener.name);

  constructor(
    private readonly keys: KeyService,
    readonly orm: MikroORM,
  ) {}

  @DurableEventHandler(TenancyEvents.projectDeleted)
  @CreateRequestContext()
  async onProjectDeleted(event: ProjectDeletedEvent): Promise<void> {
    if (!UUID.test(String(event?.projectId)) || !UUID.test(String(event?.orgId))) {
      // Redelivery cannot fix a malformed event: log it and let it go.
      this.logger.error(
        `Ignoring a malformed ${TenancyEvents.projectDeleted} event: ${JSON.stringify(event)}`,
      );
      return;
    }
    const deletedAt = Date.parse(event.deletedAt);
    const revoked = await this.keys.revokeProject(
      event.orgId,
      event.projectId,
      Number.isFinite(deletedAt) ? new Date(deletedAt) : new Date(),
    );
    if (revoked > 0) this.logger.log(`Revoked ${revoked} key(s) of deleted project ${event.projectId}`);
  }
}
