import { Injectable } from '@nestjs/common';
import {
  IdentityEvents,
  TenancyEvents,
  type InvitationCreatedEvent,
  type PasswordResetRequestedEvent,
  type UserRegisteredEvent,
} from '@northstar/contracts';
import { DurableEventHandler } from '@northstar/messaging';
import { EmailService } from './email.service';

/** The durable events that ask for a transactional email. At least once: EmailService dedupes. */
@Injectable()
export class EmailEventsHandler {
  constructor(private readonly email: EmailService) {}

  @DurableEventHandler(IdentityEvents.userRegistered)
  userRegistered(event: UserRegisteredEvent): Promise<void> {
    return this.email.requestVerification(event);
  }

  @DurableEventHandler(IdentityEvents.passwordResetRequested)
  passwordResetRequested(event: PasswordResetRequestedEvent): Promise<void> {
    return this.email.requestPasswordReset(event);
  }

  @DurableEventHandler(TenancyEvents.invitationCreated)
  invitationCreated(event: InvitationCreatedEvent): Promise<void> {
    return this.email.requestInvitation(event);
  }
}
