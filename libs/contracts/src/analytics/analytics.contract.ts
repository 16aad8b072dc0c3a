import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RecordRpcUsageRequest, RecordRpcUsageResponse } from './rpc-usage.contract';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CUSTOM_METRIC_PATTERN,
  METRIC_AGGREGATIONS,
  type MetricAggregation,
} from '../metrics/metric-aggregations';
import { Nested } from '../common/nested';
import { Actor } from '../common/actor';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, PageResponse } from '../common/pagination';
import { EVENT_TYPES, type EventType } from '../events/incoming-event';
import { IsIsoTime } from '../common/time';
import { toBoolean, toInteger } from '../common/transforms';
import type { Rpc } from '../rpc';
import { IsIanaTimeZone, toCanonicalTimeZone } from '../tenancy/timezone';
import type {
  CountEventsRequest,
  CountEventsResponse,
  KeyUsageRequest,
  KeyUsageResponse,
  OrgUsageRequest,
  OrgUsageResponse,
} from './usage.contract';

import type {
  MetricNamesRequest,
  MetricNamesResponse,
  MetricSeriesRequest,
  MetricSeriesResponse,
} from '../metrics/metrics.contract';

export * from './usage.contract';

/**
 * Request/reply subjects of the analytics service (read-only on ClickHouse). Every request names its
 * caller: a user (`actor`, checked with tenancy's `analytics:read`) or an API key the gateway
 * authenticated (`key`, which must belong to the project). Another organisation's project answers
 * `not_found`.
 */
export const AnalyticsSubjects = {
  summary: 'analytics.query.summary',
  timeseries: 'analytics.query.timeseries',
  top: 'analytics.query.top',
  funnel: 'analytics.query.funnel',
  events: 'analytics.query.events',
  /**
   * One metric over a whole range (distinct people and wallets counted once across it, not summed
   * per bucket). Asked by the notifications service to evaluate alerts, with a `service` caller.
   */
  metric: 'analytics.query.metric',
  /** A key's requests by time and chain (the actor needs `keys:read`, checked by keys). */
  keyUsage: 'analytics.usage.key',
  /** Events ingested and key requests per project and day of an organisation. */
  orgUsage: 'analytics.usage.org',
  /** The gateway's batched counts of key verifications for RPC proxies, stored in ClickHouse. */
  recordRpcUsage: 'analytics.usage.rpc.record',
  /**
   * Events stored for some projects since a time: what the gateways reconcile their event quota
   * counters with (no actor: the bus permissions let only the gateway send it).
   */
  countEvents: 'analytics.usage.events.count',
  /** Custom metrics: the names (and tag keys) a project has sent. */
  metricNames: 'analytics.metrics.names',
  /** Custom metrics: one name's zero-filled series, aggregated per bucket, optionally per tag value. */
  metricSeries: 'analytics.metrics.series',
} as const;

export const TIMESERIES_METRICS = ['events', 'users', 'pageviews', 'transactions', 'wallets'] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];

/** What an alert (and the one-number metric query) measures: an event metric, or `custom:<name>`. */
export type AlertMetric = TimeseriesMetric | `custom:${string}`;

/** An event metric or `custom:<name>` (a custom metric's name), or a 400 naming `metric`. */
export function IsAlertMetric(): PropertyDecorator {
  return ValidateBy({
    name: 'isAlertMetric',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        ((TIMESERIES_METRICS as readonly string[]).includes(value) || CUSTOM_METRIC_PATTERN.test(value)),
      defaultMessage: () =>
        `metric must be one of ${TIMESERIES_METRICS.join(', ')}, or custom:<name> for a custom metric`,
    },
  });
}

/**
 * What a project's time series may show: the event metrics, and `rpc_calls`, the key verifications of
 * the operator's RPC proxies for the project's keys (counted per hour), so that RPC load and product
 * events are read side by side.
 */
export const SERIES_METRICS = [...TIMESERIES_METRICS, 'rpc_calls'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

export const TIMESERIES_INTERVALS = ['minute', 'hour', 'day'] as const;
export type TimeseriesInterval = (typeof TIMESERIES_INTERVALS)[number];

export const TOP_DIMENSIONS = [
  'event',
  'page',
  'referrer',
  'country',
  'browser',
  'os',
  'chain',
  'contract',
  'method',
] as const;
export type TopDimension = (typeof TOP_DIMENSIONS)[number];

/** The most buckets one time series answers; a wider range needs a coarser interval. */
export const MAX_TIMESERIES_BUCKETS = 1500;
export const DEFAULT_TOP_LIMIT = 10;
export const MAX_TOP_LIMIT = 100;
export const MAX_FUNNEL_STEPS = 10;
export const MAX_FUNNEL_WINDOW_SECONDS = 90 * 86_400;
/** The default range of a query: the last 7 days. */
export const DEFAULT_ANALYTICS_RANGE_MS = 7 * 86_400_000;

/** An API key the gateway authenticated (with `analytics:read`): it may read its own project only. */
export class AnalyticsKeyCaller {
  @IsUUID()
  keyId!: string;

  @IsUUID()
  projectId!: string;
}

/** The internal services that may read analytics on their own behalf. */
// `dashboards`: analytics itself evaluating a shared dashboard's insights for whoever holds its link.
export const ANALYTICS_SERVICE_CALLERS = ['notifications', 'dashboards'] as const;
export type AnalyticsServiceCallerName = (typeof ANALYTICS_SERVICE_CALLERS)[number];

/**
 * Another platform service reading one project's analytics for its own work (notifications evaluating
 * an alert of that project). Trusted because the bus is internal: only services reach it, and the
 * gateway never builds this caller from a request. It may read the named project only.
 */
export class AnalyticsServiceCaller {
  @IsIn(ANALYTICS_SERVICE_CALLERS)
  name!: AnalyticsServiceCallerName;

  @IsUUID()
  projectId!: string;
}

/** Who asks: exactly one of a signed-in user, an API key and an internal service. */
export class AnalyticsCaller {
  @ValidateIf((caller: AnalyticsCaller) => caller.key === undefined && caller.service === undefined)
  @IsDefined({ message: 'actor, key or service is required' })
  @ValidateNested()
  @Type(() => Actor)
  actor?: Actor;

  @ValidateIf((caller: AnalyticsCaller) => caller.actor === undefined && caller.service === undefined)
  @IsDefined({ message: 'key, actor or service is required' })
  @ValidateNested()
  @Type(() => AnalyticsKeyCaller)
  key?: AnalyticsKeyCaller;

  @ValidateIf((caller: AnalyticsCaller) => caller.actor === undefined && caller.key === undefined)
  @IsDefined({ message: 'service, actor or key is required' })
  @ValidateNested()
  @Type(() => AnalyticsServiceCaller)
  service?: AnalyticsServiceCaller;
}

// ---------------------------------------------------------------------------------------------
// Query parameters of the public routes.

export class AnalyticsProjectParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'projectId must be a project id' })
  projectId!: string;
}

/** The event filters every analytics query (and an alert's metric) takes. */
export class EventFilter {
  @ApiPropertyOptional({ description: 'Only events with this name', example: 'Signed Up' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  event?: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES })
  @IsOptional()
  @IsIn(EVENT_TYPES)
  type?: EventType;

  @ApiPropertyOptional({ type: Number, example: 1, description: 'Only events on this chain (EIP-155 id)' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  chainId?: number;

  @ApiPropertyOptional({ description: 'Only events of this user id' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  userId?: string;
}

/** `from`, `to`, `tz` and the filters every analytics query takes. */
export class AnalyticsFilterQuery extends EventFilter {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Start of the range, inclusive (default: 7 days before `to`)',
  })
  @IsOptional()
  @IsIsoTime()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'End of the range, exclusive (default: now)' })
  @IsOptional()
  @IsIsoTime()
  to?: string;

  @ApiPropertyOptional({
    example: 'Europe/Paris',
    description:
      "IANA time zone of day and hour buckets (default: the project's time zone; UTC with an API key)",
  })
  @IsOptional()
  @Transform(toCanonicalTimeZone)
  @IsIanaTimeZone()
  tz?: string;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description:
      "Count distinct users, sessions and wallets exactly, from raw events, instead of from the roll-up's " +
      'sketches (see `approximate` in the answer). Costs a scan of the range: a range too large for the ' +
      'query budget answers 422.',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'exact must be true or false' })
  exact?: boolean;
}

export class TimeseriesQuery extends AnalyticsFilterQuery {
  @ApiProperty({
    enum: SERIES_METRICS,
    description:
      "`rpc_calls`: verifications of the project's keys by the operator's RPC proxies (POST /v1/keys/verify), " +
      'counted per UTC hour: by hour or day only, without event filters',
  })
  @IsIn(SERIES_METRICS, { message: `metric must be one of ${SERIES_METRICS.join(', ')}` })
  metric!: SeriesMetric;

  @ApiPropertyOptional({ enum: TIMESERIES_INTERVALS, default: 'day' })
  @IsOptional()
  @IsIn(TIMESERIES_INTERVALS, { message: `interval must be one of ${TIMESERIES_INTERVALS.join(', ')}` })
  interval?: TimeseriesInterval;
}

export class TopQuery extends AnalyticsFilterQuery {
  @ApiProperty({ enum: TOP_DIMENSIONS })
  @IsIn(TOP_DIMENSIONS, { message: `dimension must be one of ${TOP_DIMENSIONS.join(', ')}` })
  dimension!: TopDimension;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TOP_LIMIT, default: DEFAULT_TOP_LIMIT })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(MAX_TOP_LIMIT)
  limit?: number;
}

export class FunnelStep {
  @ApiProperty({ example: 'Signed Up' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  event!: string;
}

/** The steps of a funnel, as POST /funnel and a saved funnel insight take them. */
export function FunnelSteps(): PropertyDecorator {
  const decorators = [
    ApiProperty({ type: [FunnelStep], minItems: 2, maxItems: MAX_FUNNEL_STEPS }),
    IsArray(),
    ArrayMinSize(2),
    ArrayMaxSize(MAX_FUNNEL_STEPS),
    ValidateNested({ each: true }),
    Type(() => FunnelStep),
  ];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

/** The window of a funnel, as POST /funnel and a saved funnel insight take it. */
export function FunnelWindow(): PropertyDecorator {
  const decorators = [
    ApiProperty({
      minimum: 1,
      maximum: MAX_FUNNEL_WINDOW_SECONDS,
      example: 86_400,
      description: 'Each person must go from the first step to the last within this many seconds',
    }),
    IsInt(),
    Min(1),
    Max(MAX_FUNNEL_WINDOW_SECONDS),
  ];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

/** The body of POST /funnel; the range and filters come from the query string as for the other queries. */
export class FunnelBody {
  @FunnelSteps()
  steps!: FunnelStep[];

  @FunnelWindow()
  windowSeconds!: number;
}

export class EventsQuery extends AnalyticsFilterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's `nextCursor`" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

// ---------------------------------------------------------------------------------------------
// Bus requests: the route's parameters, the project and the caller.

const Caller = (): PropertyDecorator => Nested(AnalyticsCaller);

export class SummaryRequest extends AnalyticsFilterQuery {
  @Caller()
  caller!: AnalyticsCaller;

  @IsUUID()
  projectId!: string;
}

export class TimeseriesRequest extends TimeseriesQuery {
  @Caller()
  caller!: AnalyticsCaller;

  @IsUUID()
  projectId!: string;
}

export class TopRequest extends TopQuery {
  @Caller()
  caller!: AnalyticsCaller;

  @IsUUID()
  projectId!: string;
}

export class FunnelRequest extends AnalyticsFilterQuery {
  @Caller()
  caller!: AnalyticsCaller;

  @IsUUID()
  projectId!: string;

  @FunnelSteps()
  steps!: FunnelStep[];

  @FunnelWindow()
  windowSeconds!: number;
}

export class EventsRequest extends EventsQuery {
  @Caller()
  caller!: AnalyticsCaller;

  @IsUUID()
  projectId!: string;
}

/**
 * A metric over [from, to) as one number; `filters` as the query routes take them. A custom metric
 * (`custom:<name>`) is combined with `aggregation` over the whole range, and takes no event filters.
 */
export class MetricRequest {
  @Caller()
  caller!: AnalyticsCaller;

  @IsUUID()
  projectId!: string;

  @IsAlertMetric()
  metric!: AlertMetric;

  @ValidateIf((request: MetricRequest) => CUSTOM_METRIC_PATTERN.test(String(request.metric)))
  @IsIn(METRIC_AGGREGATIONS, {
    message: `aggregation must be one of ${METRIC_AGGREGATIONS.join(', ')} for a custom metric`,
  })
  aggregation?: MetricAggregation;

  @IsIsoTime()
  from!: string;

  @IsIsoTime()
  to!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => EventFilter)
  filters?: EventFilter;
}

// ---------------------------------------------------------------------------------------------
// Answers. Counts are JSON numbers (ClickHouse's 64-bit integers are converted by the service).

export class Web3Summary {
  @ApiProperty({ example: 12 })
  transactions!: number;

  @ApiProperty({ example: 5, description: 'Distinct wallet addresses' })
  wallets!: number;

  @ApiProperty({ example: 1 })
  failedTransactions!: number;
}

const APPROXIMATE_DESCRIPTION =
  "Whether the distinct counts in this answer (users, sessions, wallets; a top item's users) are " +
  'estimates: periods the roll-up holds are counted with uniqCombined sketches, exact up to a few ' +
  'thousand and within about 1% beyond (0.8% standard error); `exact=true` counts them exactly. Event ' +
  'counts are always exact.';

export class SummaryResponse {
  @ApiProperty({
    example: true,
    description: APPROXIMATE_DESCRIPTION,
  })
  approximate!: boolean;

  @ApiProperty({ example: 1200 })
  events!: number;

  @ApiProperty({ example: 85, description: 'Distinct people: the user id, else the anonymous id' })
  users!: number;

  @ApiProperty({ example: 140 })
  sessions!: number;

  @ApiProperty({ example: 600 })
  pageviews!: number;

  @ApiProperty({ type: Web3Summary })
  web3!: Web3Summary;
}

export class TimeseriesPoint {
  @ApiProperty({ format: 'date-time', description: 'Start of the bucket (UTC instant)' })
  t!: string;

  @ApiProperty({ example: 42 })
  value!: number;
}

export class TimeseriesResponse {
  @ApiProperty({ enum: TIMESERIES_INTERVALS })
  interval!: TimeseriesInterval;

  @ApiProperty({
    example: true,
    description: APPROXIMATE_DESCRIPTION,
  })
  approximate!: boolean;

  @ApiProperty({ type: [TimeseriesPoint], description: 'Every bucket of the range, empty ones as 0' })
  points!: TimeseriesPoint[];
}

export class TopItem {
  @ApiProperty({ example: 'Signed Up', description: 'The value of the dimension (a chain as its id)' })
  value!: string;

  @ApiProperty({ example: 40 })
  count!: number;

  @ApiProperty({ example: 12 })
  users!: number;
}

export class TopResponse {
  @ApiProperty({ example: true, description: APPROXIMATE_DESCRIPTION })
  approximate!: boolean;

  @ApiProperty({ type: [TopItem] })
  items!: TopItem[];
}

export class FunnelStepResult {
  @ApiProperty({ example: 'Signed Up' })
  event!: string;

  @ApiProperty({ example: 30, description: 'People who reached this step in order within the window' })
  users!: number;

  @ApiProperty({ example: 0.5, description: 'users / users of the first step (0 to 1)' })
  conversion!: number;
}

export class FunnelResponse {
  @ApiProperty({ type: [FunnelStepResult] })
  steps!: FunnelStepResult[];
}

export class EventPageDto {
  @ApiProperty() url!: string;
  @ApiProperty() path!: string;
  @ApiProperty() referrer!: string;
  @ApiProperty() title!: string;
}

export class EventWeb3Dto {
  @ApiProperty({ type: Number, nullable: true }) chainId!: number | null;
  @ApiProperty() walletAddress!: string;
  @ApiProperty() txHash!: string;
  @ApiProperty() contractAddress!: string;
  @ApiProperty() method!: string;
  @ApiProperty({ description: 'Base-10 integer string (wei)' }) value!: string;
  @ApiProperty() status!: string;
}

/** One stored event, as the live view shows it. */
export class AnalyticsEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() messageId!: string;
  @ApiProperty({ enum: EVENT_TYPES }) type!: EventType;
  @ApiProperty() event!: string;
  @ApiProperty() userId!: string;
  @ApiProperty() anonymousId!: string;
  @ApiProperty() sessionId!: string;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ type: EventPageDto }) page!: EventPageDto;
  @ApiProperty() country!: string;
  @ApiProperty() browser!: string;
  @ApiProperty() os!: string;
  @ApiProperty({ type: EventWeb3Dto }) web3!: EventWeb3Dto;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  properties!: Record<string, string>;
}

export class AnalyticsEventsResponse extends PageResponse(AnalyticsEventDto) {}

export class MetricResponse {
  @ApiProperty({ example: 42 })
  value!: number;
}

export interface AnalyticsContract {
  [AnalyticsSubjects.summary]: Rpc<SummaryRequest, SummaryResponse>;
  [AnalyticsSubjects.timeseries]: Rpc<TimeseriesRequest, TimeseriesResponse>;
  [AnalyticsSubjects.top]: Rpc<TopRequest, TopResponse>;
  [AnalyticsSubjects.funnel]: Rpc<FunnelRequest, FunnelResponse>;
  [AnalyticsSubjects.events]: Rpc<EventsRequest, AnalyticsEventsResponse>;
  [AnalyticsSubjects.metric]: Rpc<MetricRequest, MetricResponse>;
  [AnalyticsSubjects.keyUsage]: Rpc<KeyUsageRequest, KeyUsageResponse>;
  [AnalyticsSubjects.orgUsage]: Rpc<OrgUsageRequest, OrgUsageResponse>;
  [AnalyticsSubjects.recordRpcUsage]: Rpc<RecordRpcUsageRequest, RecordRpcUsageResponse>;
  [AnalyticsSubjects.countEvents]: Rpc<CountEventsRequest, CountEventsResponse>;
  [AnalyticsSubjects.metricNames]: Rpc<MetricNamesRequest, MetricNamesResponse>;
  [AnalyticsSubjects.metricSeries]: Rpc<MetricSeriesRequest, MetricSeriesResponse>;
}
