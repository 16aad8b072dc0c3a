import { Injectable, Logger } from '@nestjs/common';
import type { QuotaWarningRequest, QuotaWarningResponse } from '@northstar/contracts';
import { InAppNotification } from '../delivery/delivery.entities';
import { InboxRepository } from '../delivery/inbox.repository';
import { QuotaNoticeRepository } from './quota-notice.repository';
import { quotaNoticeId, quotaNoticeText } from './quota-notices';

/**
 * Turns the gateways' quota warnings into one in-app notification per organisation, month and kind.
 * The notification is written before the warning is marked given, and under an id derived from the
 * warning: a crash in between, or two gateways at once, still leave exactly one.
 */
@Injectable()
export class QuotaWarningsService {
  private readonly logger = new Logger(QuotaWarningsService.name);

  constructor(
    private readonly notices: QuotaNoticeRepository,
    private readonly inbox: InboxRepository,
  ) {}

  async warn(warning: QuotaWarningRequest): Promise<QuotaWarningResponse> {
    if (await this.notices.exists(warning)) return { recorded: false };
    const { title, body } = quotaNoticeText(warning);
    const notification = new InAppNotification();
    notification.id = quotaNoticeId(warning.orgId, warning.period, warning.kind);
    notification.orgId = warning.orgId;
    notification.kind = warning.kind;
    notification.title = title;
    notification.body = body;
    notification.value = warning.used;
    await this.inbox.insertOnce(notification);
    const recorded = await this.notices.insertOnce(warning);
    if (recorded) this.logger.log(`Organisation ${warning.orgId}: ${title}`);
    return { recorded };
  }
}
