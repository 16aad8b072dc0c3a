import type { InvitationCreatedEvent } from '@northstar/contracts';
import { createHash } from 'node:crypto';

/** The BullMQ queue of outgoing email. Job names and payloads are below; do not rename values. */
export const EMAIL_QUEUE = 'email';

export enum EmailJobName {
  Verification = 'verification',
  PasswordReset = 'password-reset',
  Invitation = 'invitation',
}

interface EmailJobBase {
  to: string;
  /** The single-use token as the event carried it, sealed (EventTokenSealer): opened only to render the email. */
  token: string;
  /** ISO time after which the link no longer works. */
  expiresAt: string;
  /** Of the event that asked for the email, so the worker's log lines join the request's. */
  requestId?: string;
}

export interface VerificationJob extends EmailJobBase {
  name: string;
}

export interface PasswordResetJob extends EmailJobBase {
  name: string;
}

export interface InvitationJob extends EmailJobBase {
  orgName: string;
  invitedByName: string;
  role: InvitationCreatedEvent['role'];
}

export interface EmailJobPayloads {
  [EmailJobName.Verification]: VerificationJob;
  [EmailJobName.PasswordReset]: PasswordResetJob;
  [EmailJobName.Invitation]: InvitationJob;
}

export type EmailJobData = EmailJobPayloads[EmailJobName];

/** A job as the worker sees it: the name tells the payload's type. */
export type EmailJob = { [N in EmailJobName]: { name: N; data: EmailJobPayloads[N] } }[EmailJobName];

/**
 * The job id of an email, the same every time its event is delivered, so that a redelivered event
 * does not send twice. Tokens are unique per request (a new verification email carries a new one),
 * and only their hash goes into Redis key names.
 */
export function emailJobId(name: EmailJobName, token: string): string {
  return `${name}-${createHash('sha256').update(token).digest('hex').slice(0, 40)}`;
}
