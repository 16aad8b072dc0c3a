import { Injectable, Logger } from '@nestjs/common';
import type { QuotaWarningRequest, QuotaWarningResponse } from '@northstar/contracts';
import { InAppNotification } from '../delivery/delivery.entities';
import { InboxRepository } from '../delivery/inbox.repository';
import { EmailService } from '../email/email.service';
import { QuotaNoticeRepository } from './quota-notice.repository';
import { QuotaOwners } from './quota-owners';
import { quotaNoticeId, quotaNoticeText } from './quota-notices';

/**
 * Turns the gateways' quota warnings into one in-app notification per organisation, month and kind,
 * and one email to each owner. Both are made before the warning is marked given, under ids derived
 * from the warning (the email queue drops a job id it has seen): a crash in between, or two gateways
 * at once, still leave exactly one of each.
 */
@Injectable()
export class QuotaWarningsService {
  private readonly logger = new Logger(QuotaWarningsService.name);

  constructor(
    private readonly notices: QuotaNoticeRepository,
    private readonly inbox: InboxRepository,
    private readonly owners: QuotaOwners,
    private readonly email: EmailService,
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
    const { orgName, emails } = await this.owners.of(warning.orgId);
    for (const to of emails) {
      await this.email.requestQuotaWarning({
        to,
        noticeId: notification.id,
        orgId: warning.orgId,
        orgName,
        title,
        body,
      });
    }
    const recorded = await this.notices.insertOnce(warning);
    if (recorded) this.logger.log(`Organisation ${warning.orgId}: ${title}`);
    return { recorded };
  }
}
