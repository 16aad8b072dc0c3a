import type { DomainEvent } from '../rpc';
import type { OrgRole } from './policy';

/** Durable domain events of tenancy (JetStream, see DurableEventPublisher). */
export const TenancyEvents = {
  /** notifications emails the invitation link. */
  invitationCreated: 'tenancy.invitation.created',
  /** keys revokes the project's keys, ingestion deletes its events, notifications its alerts. */
  projectDeleted: 'tenancy.project.deleted',
} as const;

/**
 * Broadcast (core NATS, every replica of every listener): caches of access decisions drop their
 * entries for the organisation. Best effort; the caches' short TTL is the backstop.
 */
export const TenancyBroadcasts = {
  accessChanged: 'tenancy.access.changed',
} as const;

export interface InvitationCreatedEvent {
  invitationId: string;
  orgId: string;
  orgName: string;
  email: string;
  role: OrgRole;
  invitedByName: string;
  /** Plaintext single-use token (tenancy stores only its hash). */
  token: string;
  expiresAt: string;
}

export interface ProjectDeletedEvent {
  projectId: string;
  orgId: string;
  deletedAt: string;
}

export interface AccessChangedEvent {
  orgId: string;
  /** The user whose access changed; absent when the whole organisation changed (deleted). */
  userId?: string;
  /** The project that was deleted, when that is the change: entries about it must go. */
  projectId?: string;
}

export interface TenancyDurableEventsContract {
  [TenancyEvents.invitationCreated]: DomainEvent<InvitationCreatedEvent>;
  [TenancyEvents.projectDeleted]: DomainEvent<ProjectDeletedEvent>;
}

export interface TenancyBroadcastsContract {
  [TenancyBroadcasts.accessChanged]: DomainEvent<AccessChangedEvent>;
}
