import { Injectable, Logger } from '@nestjs/common';
import { QuotaSubjects, type QuotaWarningRequest } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';

/** Hands quota warnings to notifications, which keeps each once per organisation and month. */
@Injectable()
export class QuotaNotices {
  private readonly logger = new Logger(QuotaNotices.name);

  constructor(private readonly bus: BusClient) {}

  /** Whether notifications has the warning (now or from before); false: try again at the next sync. */
  async send(warning: QuotaWarningRequest): Promise<boolean> {
    try {
      await this.bus.send(QuotaSubjects.warn, warning);
      return true;
    } catch (error) {
      this.logger.warn(
        `Quota warning ${warning.kind} of organisation ${warning.orgId} not sent yet: ${String(error)}`,
      );
      return false;
    }
  }
}
