import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsUUID, Matches } from 'class-validator';
import { Actor } from '../common/actor';
import { BusErrorCode, DomainException } from '../errors/bus-error';
import { Nested } from '../common/nested';

// Plans: the operator's configuration (tenancy's `plans` table) of what an organisation may use.

/** A plan id: lower-case letters, digits and dashes, as the operator names the rows of `tenancy.plans`. */
export const PLAN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** The plan every organisation starts on (the column default of `organisations.plan_id`). */
export const DEFAULT_PLAN_ID = 'free';

/** The limits a plan sets that refuse new projects, members and keys (403 `plan-limit`). */
export const PLAN_LIMITS = ['maxProjects', 'maxMembers', 'maxKeys'] as const;
export type PlanLimit = (typeof PLAN_LIMITS)[number];

/** The problem slug of a refusal past a plan's limit. */
export const PLAN_LIMIT_PROBLEM = 'plan-limit';

/** A plan as anyone may read it (GET /v1/plans). */
export class PlanDto {
  @ApiProperty({ example: 'free', pattern: PLAN_ID_PATTERN.source })
  id!: string;

  @ApiProperty({ example: 'Free' })
  name!: string;

  @ApiProperty({ example: 100_000, description: 'Events accepted per calendar month (UTC)' })
  monthlyEvents!: number;

  @ApiProperty({ example: 30, description: 'Days events are kept' })
  retentionDays!: number;

  @ApiProperty({ example: 3 })
  maxProjects!: number;

  @ApiProperty({ example: 5, description: 'Members, pending invitations included when inviting' })
  maxMembers!: number;

  @ApiProperty({
    example: 10,
    description: "Active (not revoked, not expired) keys of the organisation's projects",
  })
  maxKeys!: number;
}

/** A plan with what only the services need: the per-key defaults. */
export class PlanLimitsDto extends PlanDto {
  /** Requests per minute of a key created without its own rate limit; null: none. */
  defaultKeyRateLimit!: number | null;
}

/** Anyone may list the plans: no actor. */
export class ListPlansRequest {}

/** For services (no actor: the answer is configuration, not tenant data): the organisation's plan. */
export class OrgPlanLimitsRequest {
  @IsUUID()
  orgId!: string;
}

export class OrgPlanLimitsDto {
  orgId!: string;
  plan!: PlanLimitsDto;
}

export class SetOrgPlanBody {
  @ApiProperty({ example: 'pro', description: 'The id of a plan of GET /v1/plans (400 otherwise)' })
  // Matches refuses a non-string too: one message for the field.
  @Matches(PLAN_ID_PATTERN, { message: 'planId must be the id of a plan' })
  planId!: string;
}

export class SetOrgPlanRequest extends SetOrgPlanBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

/** The current period of the monthly quota: the calendar month in UTC. */
export class PlanPeriodDto {
  @ApiProperty({ format: 'date-time', description: 'Inclusive: the first instant of the month, UTC' })
  start!: string;

  @ApiProperty({ format: 'date-time', description: 'Exclusive: the first instant of the next month, UTC' })
  end!: string;
}

/** What tenancy counts itself; keys and events are counted by their owners. */
export class TenancyPlanUsageDto {
  @ApiProperty({ example: 2 })
  projects!: number;

  @ApiProperty({ example: 3, description: 'Members (pending invitations not included)' })
  members!: number;
}

export class PlanUsageDto extends TenancyPlanUsageDto {
  @ApiProperty({ example: 1200, description: 'Events accepted this period' })
  events!: number;

  @ApiProperty({ example: 4, description: 'Active keys of the organisation' })
  keys!: number;
}

/** Tenancy's answer about an organisation's plan: the plan, the period and tenancy's own counts. */
export class OrgPlanStateDto {
  plan!: PlanDto;
  period!: PlanPeriodDto;
  usage!: TenancyPlanUsageDto;
}

/** GET /v1/orgs/:orgId/plan. */
export class OrgPlanDto {
  @ApiProperty({ type: PlanDto })
  plan!: PlanDto;

  @ApiProperty({ type: PlanPeriodDto })
  period!: PlanPeriodDto;

  @ApiProperty({ type: PlanUsageDto })
  usage!: PlanUsageDto;
}

/** The quota period (calendar month, UTC) that `at` falls in. */
export function planPeriodOf(at: Date): PlanPeriodDto {
  const start = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const end = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

const LIMITED: Record<PlanLimit, { one: string; many: string; way: string }> = {
  maxProjects: { one: 'project', many: 'projects', way: 'delete a project' },
  maxMembers: {
    one: 'member',
    many: 'members (pending invitations included)',
    way: 'remove a member or withdraw an invitation',
  },
  maxKeys: { one: 'active key', many: 'active keys', way: 'revoke a key' },
};

/**
 * The refusal past a plan's limit (403, problem `plan-limit`, naming the limit), thrown by the
 * service that owns what is counted: tenancy for projects and members, keys for keys.
 */
export function planLimitReached(plan: Pick<PlanDto, 'id'>, limit: PlanLimit, max: number): DomainException {
  const words = LIMITED[limit];
  return new DomainException(
    BusErrorCode.Forbidden,
    `The ${plan.id} plan allows ${max} ${max === 1 ? words.one : words.many}: ${words.way}, or ask for another plan`,
    { problem: PLAN_LIMIT_PROBLEM, limit },
  );
}

/** For services (no actor): an organisation's owners, to tell them about its quota. */
export class OrgOwnersRequest {
  @IsUUID()
  orgId!: string;
}

export class OrgOwnersDto {
  orgId!: string;
  name!: string;
  ownerIds!: string[];
}

/** The most projects one retention question asks about. */
export const MAX_RETENTION_PROJECTS = 1000;

/** For services (no actor): the days of events each project's plan keeps. */
export class ProjectRetentionRequest {
  @IsArray()
  @ArrayMaxSize(MAX_RETENTION_PROJECTS)
  @IsUUID('all', { each: true })
  projectIds!: string[];
}

export interface ProjectRetentionResponse {
  /** One per project that exists; unknown (deleted) projects are left out. */
  items: { projectId: string; retentionDays: number }[];
}
