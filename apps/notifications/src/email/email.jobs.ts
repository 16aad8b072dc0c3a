import type { InvitationCreatedEvent } from '@northstar/contracts';
import { createHash } from 'node:crypto';

/** The BullMQ queue of outgoing email. Job names and payloads are below; do not rename values. */
export const EMAIL_QUEUE = 'email';

export enum EmailJobName {
  Verification = 'verification',
  PasswordReset = 'password-reset',
  Invitation = 'invitation',
  QuotaWarning = 'quota-warning',
}

interface EmailJobBase {
  to: string;
  /** Of the event that asked for the email, so the worker's log lines join the request's. */
  requestId?: string;
}

/** An email carrying a single-use link (verification, reset, invitation). */
interface LinkEmailJob extends EmailJobBase {
  /** The single-use token as the event carried it, sealed (EventTokenSealer): opened only to render the email. */
  token: string;
  /** ISO time after which the link no longer works. */
  expiresAt: string;
}

export interface VerificationJob extends LinkEmailJob {
  name: string;
}

export interface PasswordResetJob extends LinkEmailJob {
  name: string;
}

/** An organisation's monthly event quota warning, to one of its owners. */
export interface QuotaWarningJob extends EmailJobBase {
  /** The warning's id (one per organisation, month and kind): with the address, the job's identity. */
  noticeId: string;
  orgId: string;
  orgName: string;
  title: string;
  body: string;
}

export interface InvitationJob extends LinkEmailJob {
  orgName: string;
  invitedByName: string;
  role: InvitationCreatedEvent['role'];
}

export interface EmailJobPayloads {
  [EmailJobName.Verification]: VerificationJob;
  [EmailJobName.PasswordReset]: PasswordResetJob;
  [EmailJobName.Invitation]: InvitationJob;
  [EmailJobName.QuotaWarning]: QuotaWarningJob;
}

export type EmailJobData = EmailJobPayloads[EmailJobName];

/** A job as the worker sees it: the name tells the payload's type. */
export type EmailJob = { [N in EmailJobName]: { name: N; data: EmailJobPayloads[N] } }[EmailJobName];

/**
 * The job id of an email, the same every time it is asked for, so that a redelivered event or a
 * repeated warning does not send twice: a link email's token (unique per request: a new verification
 * email carries a new one), a quota warning's id and address. Only a hash goes into Redis key names.
 */
export function emailJobId(name: EmailJobName, unique: string): string {
  return `${name}-${createHash('sha256').update(unique).digest('hex').slice(0, 40)}`;
}

/** What makes the job one email: see emailJobId. */
export function uniqueOf(job: EmailJob): string {
  return job.name === EmailJobName.QuotaWarning ? `${job.data.noticeId}|${job.data.to}` : job.data.token;
}
