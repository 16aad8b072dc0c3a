import { IsIn, IsString, IsUUID, Matches } from 'class-validator';
import { IsEmailAddress } from '../common/email';
import { IsSealedToken } from '../common/sealed-token';
import { IsIsoTime } from '../common/time';
import type { DomainEvent } from '../rpc';
import { PLAN_ID_PATTERN } from './plan.contract';
import { ORG_ROLES, type OrgRole } from './policy';

/** Durable domain events of tenancy (JetStream, see DurableEventPublisher). */
export const TenancyEvents = {
  /** notifications emails the invitation link. */
  invitationCreated: 'tenancy.invitation.created',
  /** keys revokes the project's keys, ingestion deletes its events, notifications its alerts. */
  projectDeleted: 'tenancy.project.deleted',
  /**
   * An organisation moved to another plan (a platform admin changed it): whoever caches a plan's
   * limits (the gateway's ingestion quota, say) drops the organisation's entry.
   */
  orgPlanChanged: 'tenancy.org.plan_changed',
} as const;

/**
 * Broadcast (core NATS, every replica of every listener): caches of access decisions drop their
 * entries for the organisation. Best effort; the caches' short TTL is the backstop.
 */
export const TenancyBroadcasts = {
  accessChanged: 'tenancy.access.changed',
  /**
   * An organisation moved to another plan: every replica that keeps the organisation's plan in its own
   * memory (the gateway's ingestion quota) drops it. The durable tenancy.org.plan_changed says the same
   * to listeners that must not miss it.
   */
  planChanged: 'tenancy.plan.changed',
} as const;

export class InvitationCreatedEvent {
  @IsUUID()
  invitationId!: string;

  @IsUUID()
  orgId!: string;

  @IsString()
  @Matches(/\S/, { message: 'orgName must not be blank' })
  orgName!: string;

  @IsEmailAddress()
  email!: string;

  @IsIn(ORG_ROLES)
  role!: OrgRole;

  @IsString()
  invitedByName!: string;

  /** Single-use token, sealed for notifications (tenancy stores only its hash). */
  @IsSealedToken()
  token!: string;

  @IsIsoTime()
  expiresAt!: string;
}

export class ProjectDeletedEvent {
  @IsUUID()
  projectId!: string;

  @IsUUID()
  orgId!: string;

  @IsIsoTime()
  deletedAt!: string;
}

export class OrgPlanChangedEvent {
  @IsUUID()
  orgId!: string;

  @IsString()
  @Matches(PLAN_ID_PATTERN, { message: 'planId must be a plan id' })
  planId!: string;

  @IsString()
  @Matches(PLAN_ID_PATTERN, { message: 'previousPlanId must be a plan id' })
  previousPlanId!: string;

  @IsIsoTime()
  changedAt!: string;
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
  [TenancyEvents.orgPlanChanged]: DomainEvent<OrgPlanChangedEvent>;
}

/** The class each listener validates a tenancy event against before handling it. */
export const TenancyDurableEventPayloads = {
  [TenancyEvents.invitationCreated]: InvitationCreatedEvent,
  [TenancyEvents.projectDeleted]: ProjectDeletedEvent,
  [TenancyEvents.orgPlanChanged]: OrgPlanChangedEvent,
} as const;

export interface PlanChangedBroadcast {
  orgId: string;
  planId: string;
}

export interface TenancyBroadcastsContract {
  [TenancyBroadcasts.accessChanged]: DomainEvent<AccessChangedEvent>;
  [TenancyBroadcasts.planChanged]: DomainEvent<PlanChangedBroadcast>;
}
