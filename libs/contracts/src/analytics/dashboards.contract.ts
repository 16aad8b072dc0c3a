import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { Actor } from '../common/actor';
import { IsName } from '../common/name';
import { Nested } from '../common/nested';
import { IsIsoTime } from '../common/time';
import type { BusErrorCode, FieldError } from '../errors/bus-error';
import { METRIC_LIMITS, METRIC_NAME_PATTERN } from '../metrics/metric-stream';
import type { MetricSeriesResponse } from '../metrics/metrics.contract';
import type { Rpc } from '../rpc';
import { IsIanaTimeZone, toCanonicalTimeZone } from '../tenancy/timezone';
import { DeletedResponse } from '../chains/chains.contract';
import {
  AnalyticsFilterQuery,
  FunnelSteps,
  FunnelWindow,
  TIMESERIES_INTERVALS,
  TimeseriesQuery,
  TopQuery,
  type FunnelResponse,
  type FunnelStep,
  type SummaryResponse,
  type TimeseriesInterval,
  type TimeseriesResponse,
  type TopResponse,
} from './analytics.contract';

/**
 * Request/reply subjects of saved insights and dashboards (the analytics service owns them: it
 * evaluates them in-process). Every command carries the acting user; analytics asks tenancy
 * (`analytics:read` to read, `dashboards:manage` to change) and answers `not_found` for another
 * organisation's objects. `shared` has no actor: the share token is the credential.
 */
export const DashboardsSubjects = {
  createInsight: 'analytics.insight.create',
  listInsights: 'analytics.insight.list',
  getInsight: 'analytics.insight.get',
  updateInsight: 'analytics.insight.update',
  deleteInsight: 'analytics.insight.delete',
  /** The insight's result (JSON). */
  insightData: 'analytics.insight.data',
  /** The insight's result as CSV text, with a file name. */
  insightCsv: 'analytics.insight.csv',
  createDashboard: 'analytics.dashboard.create',
  listDashboards: 'analytics.dashboard.list',
  getDashboard: 'analytics.dashboard.get',
  updateDashboard: 'analytics.dashboard.update',
  deleteDashboard: 'analytics.dashboard.delete',
  /** Every insight of a dashboard evaluated at once; a failing insight is an error of its item only. */
  dashboardData: 'analytics.dashboard.data',
  /** A new share token (the previous one, if any, stops working). */
  share: 'analytics.dashboard.share',
  unshare: 'analytics.dashboard.unshare',
  /** A shared dashboard and its data, by token: no caller, no ids. */
  shared: 'analytics.dashboard.shared',
} as const;

export const INSIGHT_KINDS = ['summary', 'timeseries', 'top', 'funnel', 'metric'] as const;
export type InsightKind = (typeof INSIGHT_KINDS)[number];

export const MAX_INSIGHTS_PER_PROJECT = 500;
export const MAX_DASHBOARDS_PER_PROJECT = 100;
export const MAX_DASHBOARD_ITEMS = 50;

// ---------------------------------------------------------------------------------------------
// The parameters of each kind: the classes of the analytics query routes themselves, so that a saved
// query is valid exactly when the route would take it.

/** A funnel insight: the route's body (steps, window) and its query string (range, filters). */
export class FunnelInsightParams extends AnalyticsFilterQuery {
  @FunnelSteps()
  steps!: FunnelStep[];

  @FunnelWindow()
  windowSeconds!: number;
}

export const INSIGHT_METRIC_AGGREGATIONS = [
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'p50',
  'p95',
  'p99',
] as const;
export type InsightMetricAggregation = (typeof INSIGHT_METRIC_AGGREGATIONS)[number];

/** A custom metric's series (`GET /v1/projects/:projectId/metrics/:name`), evaluated by MetricSeriesQuery. */
export class MetricInsightParams {
  // What the metrics routes take in their path (METRIC_NAME_PATTERN) and query (a tag key).
  @IsString()
  @Matches(METRIC_NAME_PATTERN, { message: 'name must be 1 to 128 of A-Z a-z 0-9 _ . : -' })
  name!: string;

  @IsIn(INSIGHT_METRIC_AGGREGATIONS, {
    message: `agg must be one of ${INSIGHT_METRIC_AGGREGATIONS.join(', ')}`,
  })
  agg!: InsightMetricAggregation;

  @IsIn(TIMESERIES_INTERVALS, { message: `interval must be one of ${TIMESERIES_INTERVALS.join(', ')}` })
  interval!: TimeseriesInterval;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(METRIC_LIMITS.maxTagKeyLength, { message: 'groupBy must be a tag key of 1 to 64 characters' })
  groupBy?: string;

  @IsOptional()
  @IsIsoTime()
  from?: string;

  @IsOptional()
  @IsIsoTime()
  to?: string;
}

const INSIGHT_PARAMS: Record<InsightKind, new () => object> = {
  summary: AnalyticsFilterQuery,
  timeseries: TimeseriesQuery,
  top: TopQuery,
  funnel: FunnelInsightParams,
  metric: MetricInsightParams,
};

export type InsightParams = Record<string, unknown>;

function paramErrors(errors: ValidationError[], parent: string): FieldError[] {
  return errors.flatMap((error) => {
    const field = `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...paramErrors(error.children ?? [], field)];
  });
}

/**
 * The parameters of an insight of this kind, validated and normalised as the kind's analytics route
 * would (unknown fields refused), or each failing field as `params.<field>`.
 */
export function parseInsightParams(
  kind: InsightKind,
  value: unknown,
): { params: InsightParams } | { errors: FieldError[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { errors: [{ field: 'params', message: 'params must be an object' }] };
  }
  const instance = plainToInstance(INSIGHT_PARAMS[kind], value);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) return { errors: paramErrors(errors, 'params') };
  // A plain object again (funnel steps included), as it is stored and sent.
  return { params: JSON.parse(JSON.stringify(instance)) as InsightParams };
}

const isKind = (kind: unknown): kind is InsightKind => INSIGHT_KINDS.includes(kind as InsightKind);

/** `params` checked against the `kind` beside it (when that kind is valid: its own check names it). */
function IsInsightParams(): PropertyDecorator {
  return (target, property) => {
    // Normalised before validation (the route's own transforms: integers, time zones); left as sent when invalid.
    Transform(({ value, obj }: { value: unknown; obj: { kind?: unknown } }) => {
      if (!isKind(obj.kind)) return value;
      const parsed = parseInsightParams(obj.kind, value);
      return 'params' in parsed ? parsed.params : value;
    })(target, property);
    registerDecorator({
      name: 'isInsightParams',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown, args) => {
          const kind = (args?.object as { kind?: unknown }).kind;
          return !isKind(kind) || 'params' in parseInsightParams(kind, value);
        },
        defaultMessage: (args) => {
          const kind = (args?.object as { kind?: unknown }).kind;
          const parsed = isKind(kind) ? parseInsightParams(kind, args?.value) : { params: {} };
          const errors = 'errors' in parsed ? parsed.errors : [];
          return `params are invalid for kind ${String(kind)}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
        },
      },
    });
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP bodies and parameters.

export class InsightIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'insightId must be an insight id' })
  insightId!: string;
}

export class DashboardIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'dashboardId must be a dashboard id' })
  dashboardId!: string;
}

export class SharedDashboardParams {
  @ApiProperty({ description: 'The share token (`nsd_…`)' })
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  token!: string;
}

const PARAMS_DESCRIPTION =
  'The query of the kind, exactly as its analytics route takes it: `summary` the filters and range of ' +
  'GET …/analytics/summary; `timeseries` those of …/timeseries (`metric`, `interval`); `top` those of ' +
  '…/top (`dimension`, `limit`); `funnel` the query string and the body of POST …/funnel (`steps`, ' +
  '`windowSeconds`); `metric` a custom metric series `{ name, agg, interval, groupBy?, from?, to? }`.';

export class CreateInsightBody {
  @ApiProperty({ example: 'Sign-ups per day' })
  @IsName()
  name!: string;

  @ApiProperty({ enum: INSIGHT_KINDS })
  @IsIn(INSIGHT_KINDS, { message: `kind must be one of ${INSIGHT_KINDS.join(', ')}` })
  kind!: InsightKind;

  @ApiProperty({ type: 'object', additionalProperties: true, description: PARAMS_DESCRIPTION })
  @IsInsightParams()
  params!: InsightParams;
}

export class UpdateInsightBody {
  @ApiPropertyOptional()
  @IsOptional()
  @IsName()
  name?: string;

  @ApiPropertyOptional({ enum: INSIGHT_KINDS, description: 'A new kind needs its `params` too' })
  @IsOptional()
  @IsIn(INSIGHT_KINDS, { message: `kind must be one of ${INSIGHT_KINDS.join(', ')}` })
  kind?: InsightKind;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `${PARAMS_DESCRIPTION} Replaces the stored parameters as a whole.`,
  })
  @ValidateIf((body: UpdateInsightBody) => body.kind !== undefined || body.params !== undefined)
  @IsInsightParams()
  params?: InsightParams;
}

/** The range and time zone overrides of a data request (`?from&to&tz`). */
export class DataOverrideQuery {
  @ApiPropertyOptional({ format: 'date-time', description: "Overrides the dashboard's and insights' start" })
  @IsOptional()
  @IsIsoTime()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: "Overrides the dashboard's and insights' end" })
  @IsOptional()
  @IsIsoTime()
  to?: string;

  @ApiPropertyOptional({ example: 'Europe/Paris', description: "Overrides the dashboard's time zone" })
  @IsOptional()
  @Transform(toCanonicalTimeZone)
  @IsIanaTimeZone()
  tz?: string;
}

export const INSIGHT_DATA_FORMATS = ['json', 'csv'] as const;

export class InsightDataQuery extends DataOverrideQuery {
  @ApiPropertyOptional({ enum: INSIGHT_DATA_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(INSIGHT_DATA_FORMATS, { message: 'format must be json or csv' })
  format?: (typeof INSIGHT_DATA_FORMATS)[number];
}

export class DashboardItem {
  @ApiProperty({ format: 'uuid', description: 'An insight of the same project' })
  @IsUUID('all', { message: 'insightId must be an insight id' })
  insightId!: string;

  @ApiProperty({ minimum: 0, maximum: 10_000, description: 'Order on the dashboard (ascending)' })
  @IsInt()
  @Min(0)
  @Max(10_000)
  position!: number;
}

/**
 * The dashboard's default range: the last `lastHours` hours, or from `from` to `to` (both optional,
 * as the query routes take them). Each insight's own range applies when the dashboard has none.
 */
export class DashboardRange {
  @ApiPropertyOptional({ minimum: 1, maximum: 9600, example: 168, description: 'The last N hours up to now' })
  @IsOptional()
  @IsInt({ message: 'lastHours must be a whole number of hours' })
  @Min(1)
  @Max(9600)
  lastHours?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'Not with lastHours' })
  @IsOptional()
  @IsIsoTime()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Not with lastHours' })
  @IsOptional()
  @IsIsoTime()
  to?: string;
}

function DashboardItems(required = true): PropertyDecorator {
  const decorators = [
    ApiProperty({ type: [DashboardItem], maxItems: MAX_DASHBOARD_ITEMS, required }),
    IsArray(),
    ArrayMaxSize(MAX_DASHBOARD_ITEMS),
    ValidateNested({ each: true }),
    Type(() => DashboardItem),
  ];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

export class CreateDashboardBody {
  @ApiProperty({ example: 'Growth' })
  @IsName()
  name!: string;

  @DashboardItems()
  items!: DashboardItem[];

  @ApiPropertyOptional({ type: DashboardRange })
  @IsOptional()
  @ValidateNested()
  @Type(() => DashboardRange)
  range?: DashboardRange;

  @ApiPropertyOptional({
    example: 'Europe/Paris',
    description: "Day and hour buckets' zone (default: the project's)",
  })
  @IsOptional()
  @Transform(toCanonicalTimeZone)
  @IsIanaTimeZone()
  timezone?: string;
}

export class UpdateDashboardBody {
  @ApiPropertyOptional()
  @IsOptional()
  @IsName()
  name?: string;

  @IsOptional()
  @DashboardItems(false)
  items?: DashboardItem[];

  @ApiPropertyOptional({ type: DashboardRange, nullable: true, description: 'null removes it' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DashboardRange)
  range?: DashboardRange | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null: the project’s zone again' })
  @IsOptional()
  @Transform(toCanonicalTimeZone)
  @IsIanaTimeZone()
  timezone?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Bus requests.

export class InsightProjectRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

export class CreateInsightRequest extends CreateInsightBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

export class InsightRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  insightId!: string;
}

export class UpdateInsightRequest extends UpdateInsightBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  insightId!: string;
}

export class InsightDataRequest extends DataOverrideQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  insightId!: string;
}

export class DashboardProjectRequest extends InsightProjectRequest {}

export class CreateDashboardRequest extends CreateDashboardBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

export class DashboardRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  dashboardId!: string;
}

export class UpdateDashboardRequest extends UpdateDashboardBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  dashboardId!: string;
}

export class DashboardDataRequest extends DataOverrideQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  dashboardId!: string;
}

export class SharedDashboardRequest extends SharedDashboardParams {}

// ---------------------------------------------------------------------------------------------
// Answers.

export class InsightDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: INSIGHT_KINDS }) kind!: InsightKind;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: InsightParams;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class InsightListResponse {
  @ApiProperty({ type: [InsightDto] }) items!: InsightDto[];
}

export class DashboardDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [DashboardItem], description: 'By position' }) items!: DashboardItem[];
  @ApiProperty({ type: DashboardRange, nullable: true }) range!: DashboardRange | null;
  @ApiProperty({ type: String, nullable: true }) timezone!: string | null;
  @ApiProperty({ description: 'Whether a share link is live' }) shared!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class DashboardListResponse {
  @ApiProperty({ type: [DashboardDto] }) items!: DashboardDto[];
}

/** What an insight of each kind answers: the kind's analytics route's answer. */
export type InsightData =
  SummaryResponse | TimeseriesResponse | TopResponse | FunnelResponse | MetricSeriesResponse;

export class InsightDataResponse {
  @ApiProperty({ format: 'uuid' }) insightId!: string;
  @ApiProperty({ enum: INSIGHT_KINDS }) kind!: InsightKind;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      "The answer of the kind's analytics route (summary, timeseries, top, funnel, or a custom metric's series)",
  })
  data!: InsightData;
}

export class InsightCsvResponse {
  /** A safe file name (`sign-ups-per-day.csv`). */
  filename!: string;
  csv!: string;
}

/** Why one insight of a dashboard has no data; the gateway answers it in problem shape. */
export interface InsightItemError {
  code: BusErrorCode;
  message: string;
  errors?: FieldError[];
  errorId?: string;
}

export interface DashboardDataItem {
  insightId: string;
  /** Absent when the insight is gone (deleted meanwhile). */
  kind?: InsightKind;
  data?: InsightData;
  error?: InsightItemError;
}

export interface DashboardDataResponse {
  items: DashboardDataItem[];
}

export class ShareDashboardResponse {
  @ApiProperty({ description: 'Shown once: only its hash is kept' })
  token!: string;

  /** The share route's path; the gateway makes the full URL of it. */
  path!: string;
}

export interface SharedDashboardItem {
  position: number;
  name: string;
  kind: InsightKind;
  data?: InsightData;
  error?: InsightItemError;
}

export interface SharedDashboardResponse {
  name: string;
  range: DashboardRange | null;
  timezone: string | null;
  items: SharedDashboardItem[];
}

export interface DashboardsContract {
  [DashboardsSubjects.createInsight]: Rpc<CreateInsightRequest, InsightDto>;
  [DashboardsSubjects.listInsights]: Rpc<InsightProjectRequest, InsightListResponse>;
  [DashboardsSubjects.getInsight]: Rpc<InsightRequest, InsightDto>;
  [DashboardsSubjects.updateInsight]: Rpc<UpdateInsightRequest, InsightDto>;
  [DashboardsSubjects.deleteInsight]: Rpc<InsightRequest, DeletedResponse>;
  [DashboardsSubjects.insightData]: Rpc<InsightDataRequest, InsightDataResponse>;
  [DashboardsSubjects.insightCsv]: Rpc<InsightDataRequest, InsightCsvResponse>;
  [DashboardsSubjects.createDashboard]: Rpc<CreateDashboardRequest, DashboardDto>;
  [DashboardsSubjects.listDashboards]: Rpc<DashboardProjectRequest, DashboardListResponse>;
  [DashboardsSubjects.getDashboard]: Rpc<DashboardRequest, DashboardDto>;
  [DashboardsSubjects.updateDashboard]: Rpc<UpdateDashboardRequest, DashboardDto>;
  [DashboardsSubjects.deleteDashboard]: Rpc<DashboardRequest, DeletedResponse>;
  [DashboardsSubjects.dashboardData]: Rpc<DashboardDataRequest, DashboardDataResponse>;
  [DashboardsSubjects.share]: Rpc<DashboardRequest, ShareDashboardResponse>;
  [DashboardsSubjects.unshare]: Rpc<DashboardRequest, DeletedResponse>;
  [DashboardsSubjects.shared]: Rpc<SharedDashboardRequest, SharedDashboardResponse>;
}
