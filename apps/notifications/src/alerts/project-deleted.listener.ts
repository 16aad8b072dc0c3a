import { Injectable, Logger } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { TenancyEvents, type ProjectDeletedEvent } from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { AlertService } from './alert.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A deleted project's alerts stop (durable: delivered even when notifications was down meanwhile). */
@Injectable()
export class AlertsProjectDeletedListener {
  private readonly logger = new Logger(AlertsProjectDeletedListener.name);

  constructor(
    private readonly alerts: AlertService,
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
    const deleted = await this.alerts.deleteProject(event.orgId, event.projectId);
    if (deleted > 0) this.logger.log(`Deleted ${deleted} alert(s) of deleted project ${event.projectId}`);
  }
}
