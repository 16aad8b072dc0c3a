import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { Nested } from '../common/nested';
import { IsIsoTime } from '../common/time';
import { IsIanaTimeZone, toCanonicalTimeZone } from '../tenancy/timezone';
import {
  AnalyticsCaller,
  TIMESERIES_INTERVALS,
  TimeseriesPoint,
  type TimeseriesInterval,
} from '../analytics/analytics.contract';
import { METRIC_AGGREGATIONS, type MetricAggregation } from './metric-aggregations';
import { METRIC_LIMITS, METRIC_NAME_PATTERN } from './metric-stream';

/** The most series a `groupBy` answers: the groups with the most points in the range. */
export const MAX_METRIC_SERIES = 20;
/** The most names `GET /metrics` lists, and the most tag keys it lists per name. */
export const MAX_METRIC_NAMES = 1000;
export const MAX_METRIC_TAG_KEYS = 100;
/** The most `tag=key:value` filters of one series query. */
export const MAX_METRIC_TAG_FILTERS = 10;

const NAME_MESSAGE = `name must be 1 to ${METRIC_LIMITS.maxNameLength} of A-Z a-z 0-9 _ . : -`;
const TAG_FILTER_PATTERN = /^[^:]{1,64}:.{0,256}$/s;

/** Query strings give one value or several: `tag=a:1&tag=b:2`. */
const toArray = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? [value] : value);

// ---------------------------------------------------------------------------------------------
// POST /v1/metrics (validated point by point by the gateway's metric intake; these classes describe it).

export class IncomingMetric {
  @ApiProperty({ example: 'queue.depth', pattern: METRIC_NAME_PATTERN.source, maxLength: 128 })
  name!: string;

  @ApiProperty({ example: 42.5, description: 'A finite number' })
  value!: number;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When it was measured (default: when the gateway received it)',
  })
  timestamp?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: METRIC_LIMITS.maxTagValueLength },
    example: { region: 'eu-west-1', host: 'web-3' },
    description: `At most ${METRIC_LIMITS.maxTags} tags; keys 1–${METRIC_LIMITS.maxTagKeyLength} and values up to ${METRIC_LIMITS.maxTagValueLength} characters, strings`,
  })
  tags?: Record<string, string>;

  @ApiPropertyOptional({
    maxLength: METRIC_LIMITS.maxIdLength,
    description:
      'Your id of this point: a point sent again with the same id (and the same timestamp) is stored once',
  })
  id?: string;
}

export class MetricBatchRequest {
  @ApiProperty({ type: [IncomingMetric], maxItems: METRIC_LIMITS.maxBatchMetrics })
  metrics!: IncomingMetric[];
}

// ---------------------------------------------------------------------------------------------
// Queries.

export class MetricNameParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'projectId must be a project id' })
  projectId!: string;

  @ApiProperty({ example: 'queue.depth' })
  @Matches(METRIC_NAME_PATTERN, { message: NAME_MESSAGE })
  name!: string;
}

export class MetricSeriesQuery {
  @ApiPropertyOptional({ enum: METRIC_AGGREGATIONS, default: 'avg' })
  @IsOptional()
  @IsIn(METRIC_AGGREGATIONS, { message: `agg must be one of ${METRIC_AGGREGATIONS.join(', ')}` })
  agg?: MetricAggregation;

  @ApiPropertyOptional({ enum: TIMESERIES_INTERVALS, default: 'hour' })
  @IsOptional()
  @IsIn(TIMESERIES_INTERVALS, { message: `interval must be one of ${TIMESERIES_INTERVALS.join(', ')}` })
  interval?: TimeseriesInterval;

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
    example: 'region',
    description: `A tag key: one series per value of it (points without the tag in the group ""), the ${MAX_METRIC_SERIES} groups with the most points`,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(METRIC_LIMITS.maxTagKeyLength)
  groupBy?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['region:eu-west-1'],
    description: `Only the points with this tag value, as \`key:value\`; repeat for several (all must match, at most ${MAX_METRIC_TAG_FILTERS})`,
  })
  @IsOptional()
  @Transform(toArray)
  @IsArray()
  @ArrayMaxSize(MAX_METRIC_TAG_FILTERS)
  @Matches(TAG_FILTER_PATTERN, { each: true, message: 'each tag must be key:value' })
  tag?: string[];
}

export class MetricNamesRequest {
  @Nested(AnalyticsCaller)
  caller!: AnalyticsCaller;

  @IsUUID()
  projectId!: string;
}

export class MetricSeriesRequest extends MetricSeriesQuery {
  @Nested(AnalyticsCaller)
  caller!: AnalyticsCaller;

  @IsUUID()
  projectId!: string;

  @Matches(METRIC_NAME_PATTERN, { message: NAME_MESSAGE })
  name!: string;
}

/** `key:value` filters as a record; a key given twice keeps its last value. */
export function tagFiltersOf(tags: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of tags ?? []) {
    const colon = entry.indexOf(':');
    out[entry.slice(0, colon)] = entry.slice(colon + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Answers.

export class MetricNameItem {
  @ApiProperty({ example: 'queue.depth' })
  name!: string;

  @ApiProperty({ type: [String], example: ['host', 'region'], description: 'Tag keys seen on its points' })
  tagKeys!: string[];
}

export class MetricNamesResponse {
  @ApiProperty({ type: [MetricNameItem], description: `By name, at most ${MAX_METRIC_NAMES}` })
  items!: MetricNameItem[];
}

export class MetricSeriesGroup {
  @ApiProperty({ example: 'eu-west-1', description: 'The value of the `groupBy` tag ("" without it)' })
  group!: string;

  @ApiProperty({ type: [TimeseriesPoint] })
  points!: TimeseriesPoint[];
}

export class MetricSeriesResponse {
  @ApiProperty({ example: 'queue.depth' })
  name!: string;

  @ApiProperty({ enum: METRIC_AGGREGATIONS })
  agg!: MetricAggregation;

  @ApiProperty({ enum: TIMESERIES_INTERVALS })
  interval!: TimeseriesInterval;

  @ApiPropertyOptional({
    type: [TimeseriesPoint],
    description: 'Without `groupBy`: every bucket of the range, empty ones as 0',
  })
  points?: TimeseriesPoint[];

  @ApiPropertyOptional({
    type: [MetricSeriesGroup],
    description: 'With `groupBy`: one zero-filled series per group, most points first',
  })
  series?: MetricSeriesGroup[];
}
