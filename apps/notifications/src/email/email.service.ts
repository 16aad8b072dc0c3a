import { Injectable, Logger } from '@nestjs/common';
import {
  assertNever,
  type InvitationCreatedEvent,
  type PasswordResetRequestedEvent,
  type UserRegisteredEvent,
} from '@northstar/contracts';
import { currentRequestId } from '@northstar/observability';
import { NotificationsConfig } from '../config';
import { EmailChannel } from './email.channel';
import { EmailJobName, type EmailJob, type EmailJobPayloads } from './email.jobs';
import { EmailQueue } from './email.queue';
import {
  emailLink,
  EmailLinkPath,
  invitationEmail,
  passwordResetEmail,
  quotaWarningEmail,
  verificationEmail,
  type RenderedEmail,
} from './email.templates';
import { EventTokenSealer } from '@northstar/sealing';

/** The emails that carry a single-use link. */
type LinkEmailJobOf = Exclude<EmailJob, { name: EmailJobName.QuotaWarning }>;

/**
 * The transactional emails other services ask for with their events. An event becomes a queued
 * job (so an SMTP outage delays mail and loses none); the worker renders and sends it.
 */
@Injectable()
export class EmailService {
  private readonly logger = new Logger(EmailService.name);

  constructor(
    private readonly config: NotificationsConfig,
    private readonly queue: EmailQueue,
    private readonly channel: EmailChannel,
    private readonly sealer: EventTokenSealer,
  ) {}

  requestVerification(event: UserRegisteredEvent): Promise<void> {
    return this.enqueue({
      name: EmailJobName.Verification,
      data: { to: event.email, name: event.name, token: event.verificationToken, expiresAt: event.expiresAt },
    });
  }

  requestPasswordReset(event: PasswordResetRequestedEvent): Promise<void> {
    return this.enqueue({
      name: EmailJobName.PasswordReset,
      data: { to: event.email, name: event.name, token: event.resetToken, expiresAt: event.expiresAt },
    });
  }

  requestInvitation(event: InvitationCreatedEvent): Promise<void> {
    return this.enqueue({
      name: EmailJobName.Invitation,
      data: {
        to: event.email,
        orgName: event.orgName,
        invitedByName: event.invitedByName,
        role: event.role,
        token: event.token,
        expiresAt: event.expiresAt,
      },
    });
  }

  /** Emails an owner that the organisation's event quota reached a threshold (once per warning and owner). */
  requestQuotaWarning(data: EmailJobPayloads[EmailJobName.QuotaWarning]): Promise<void> {
    return this.enqueue({ name: EmailJobName.QuotaWarning, data });
  }

  /** Renders and sends one queued email; throws when the channel fails, so the job is retried. */
  async deliver(job: EmailJob): Promise<void> {
    if (job.name === EmailJobName.QuotaWarning) {
      const link = `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/orgs/${encodeURIComponent(job.data.orgId)}/usage`;
      await this.channel.send({
        to: job.data.to,
        kind: job.name,
        ...quotaWarningEmail({ ...job.data, link }),
      });
      return;
    }
    const now = new Date();
    const expiresAt = new Date(job.data.expiresAt);
    if (expiresAt <= now) {
      // After a long outage: a dead link would only confuse; the user can ask for a new one.
      this.logger.warn(`Not sending the ${job.name} email: its link expired at ${job.data.expiresAt}`);
      return;
    }
    await this.channel.send({ to: job.data.to, kind: job.name, ...this.render(job, expiresAt, now) });
  }

  // The event was validated against its contract class on arrival (a malformed one is dead-lettered).
  private async enqueue(job: EmailJob): Promise<void> {
    const requestId = currentRequestId();
    await this.queue.add({ ...job, data: { ...job.data, ...(requestId ? { requestId } : {}) } } as EmailJob);
  }

  private render(job: LinkEmailJobOf, expiresAt: Date, now: Date): RenderedEmail {
    const token = this.sealer.open(job.data.token);
    const link = (path: EmailLinkPath) => emailLink(this.config.PUBLIC_URL, path, token);
    switch (job.name) {
      case EmailJobName.Verification:
        return verificationEmail({
          name: job.data.name,
          link: link(EmailLinkPath.verifyEmail),
          expiresAt,
          now,
        });
      case EmailJobName.PasswordReset:
        return passwordResetEmail({
          name: job.data.name,
          link: link(EmailLinkPath.resetPassword),
          expiresAt,
          now,
        });
      case EmailJobName.Invitation:
        return invitationEmail({
          orgName: job.data.orgName,
          invitedByName: job.data.invitedByName,
          role: job.data.role,
          link: link(EmailLinkPath.acceptInvitation),
          expiresAt,
          now,
        });
      default:
        return assertNever(job, 'email job');
    }
  }
}
