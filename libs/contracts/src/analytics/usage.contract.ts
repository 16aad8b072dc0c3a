import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsUUID } from 'class-validator';
import { Nested } from '../common/nested';
import { Actor } from '../common/actor';
import { IsIsoTime } from '../common/time';

/**
 * The developer-portal view: requests made with API keys (as the gateways record them, hourly per key
 * and chain, and, when Prometheus is configured, as the RPC edge counts them per chain and method) and
 * events ingested per project. Usage is counted in UTC hours and days.
 */
export const USAGE_INTERVALS = ['hour', 'day'] as const;
export type UsageInterval = (typeof USAGE_INTERVALS)[number];

/** The default range of a usage query: the last 30 days. */
export const DEFAULT_USAGE_RANGE_MS = 30 * 86_400_000;
/** The widest organisation usage range, in days (one row per project and day). */
export const MAX_ORG_USAGE_DAYS = 92;

export class UsageRangeQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Start of the range, rounded down to its UTC hour or day (default: 30 days before `to`)',
  })
  @IsOptional()
  @IsIsoTime()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'End of the range, exclusive, rounded up to its UTC hour or day (default: now)',
  })
  @IsOptional()
  @IsIsoTime()
  to?: string;
}

export class KeyUsageQuery extends UsageRangeQuery {
  @ApiPropertyOptional({ enum: USAGE_INTERVALS, default: 'day', description: 'UTC hours or UTC days' })
  @IsOptional()
  @IsIn(USAGE_INTERVALS, { message: `interval must be one of ${USAGE_INTERVALS.join(', ')}` })
  interval?: UsageInterval;
}

export class OrgUsageParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'orgId must be an organisation id' })
  orgId!: string;
}

export class KeyUsageRequest extends KeyUsageQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  keyId!: string;
}

export class OrgUsageRequest extends UsageRangeQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

// ---------------------------------------------------------------------------------------------
// Answers.

export class ChainCount {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'ethereum',
    description: 'The chain slug; null for requests that were not RPC calls (ingestion, analytics)',
  })
  chain!: string | null;

  @ApiProperty({ example: 1200 })
  count!: number;
}

export class UsagePoint {
  @ApiProperty({ format: 'date-time', description: 'Start of the UTC hour or day' })
  t!: string;

  @ApiProperty({ example: 42 })
  value!: number;
}

export class RpcMethodCount {
  @ApiProperty({ example: 'ethereum' })
  chain!: string;

  @ApiProperty({ example: 'eth_call' })
  method!: string;

  @ApiProperty({ example: 900 })
  count!: number;
}

/**
 * RPC calls of the key: the RPC edge's own counts from Prometheus (`rpc_requests_total{key_id, chain,
 * method, status}`) when the analytics service has PROMETHEUS_URL, otherwise the verifications the
 * operator's RPC proxies asked for (`POST /v1/keys/verify`), stored in ClickHouse.
 */
export class RpcUsage {
  @ApiProperty({
    enum: ['prometheus', 'verifications'],
    description: "`prometheus`: the RPC edge's metrics; `verifications`: POST /v1/keys/verify calls",
  })
  source!: 'prometheus' | 'verifications';

  @ApiProperty({ example: 1000 })
  total!: number;

  @ApiProperty({
    example: 3,
    description: 'Requests whose status was not "ok" (Prometheus), or verifications answered `valid: false`',
  })
  failed!: number;

  @ApiProperty({ type: [ChainCount] })
  byChain!: ChainCount[];

  @ApiProperty({ type: [RpcMethodCount], description: 'Most used first' })
  byMethod!: RpcMethodCount[];
}

export class KeyUsageResponse {
  @ApiProperty({ format: 'uuid' })
  keyId!: string;

  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ format: 'date-time', description: 'The range counted, aligned to the interval' })
  from!: string;

  @ApiProperty({ format: 'date-time' })
  to!: string;

  @ApiProperty({ enum: USAGE_INTERVALS })
  interval!: UsageInterval;

  @ApiProperty({ example: 1500, description: 'Requests made with the key in the range' })
  total!: number;

  @ApiProperty({ type: [ChainCount], description: 'Requests per chain, most used first' })
  byChain!: ChainCount[];

  @ApiProperty({ type: [UsagePoint], description: 'Requests per interval, every bucket, empty ones as 0' })
  points!: UsagePoint[];

  @ApiProperty({
    type: RpcUsage,
    nullable: true,
    description:
      'RPC calls by chain and method: from Prometheus when the analytics service has PROMETHEUS_URL, ' +
      'else the verifications of the key by RPC proxies (POST /v1/keys/verify); null when there are none',
  })
  rpc!: RpcUsage | null;
}

export class UsageTotals {
  @ApiProperty({ example: 52000, description: 'Events ingested (each event id once)' })
  events!: number;

  @ApiProperty({ example: 8000, description: "Requests made with the project's API keys" })
  keyRequests!: number;
}

export class ProjectUsageDay extends UsageTotals {
  @ApiProperty({ example: '2026-11-20', description: 'The UTC day' })
  day!: string;
}

export class ProjectUsage extends UsageTotals {
  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ example: 'Storefront' })
  name!: string;

  @ApiProperty({ type: [ProjectUsageDay], description: 'Every UTC day of the range, empty ones as 0' })
  days!: ProjectUsageDay[];
}

export class OrgUsageResponse {
  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({ format: 'date-time', description: 'The range counted, whole UTC days' })
  from!: string;

  @ApiProperty({ format: 'date-time' })
  to!: string;

  @ApiProperty({ type: UsageTotals, description: 'Sums over every project' })
  total!: UsageTotals;

  @ApiProperty({ type: [ProjectUsage], description: "The organisation's current projects" })
  projects!: ProjectUsage[];
}

/** The most projects one quota reconciliation asks about (an organisation on the largest plan). */
export const MAX_COUNT_EVENTS_PROJECTS = 1000;

/** Events stored for these projects from `from` (rounded down to its UTC day) until now. */
export class CountEventsRequest {
  @IsArray()
  @ArrayMaxSize(MAX_COUNT_EVENTS_PROJECTS)
  @IsUUID('all', { each: true })
  projectIds!: string[];

  @IsIsoTime()
  from!: string;
}

export interface CountEventsResponse {
  events: number;
}
