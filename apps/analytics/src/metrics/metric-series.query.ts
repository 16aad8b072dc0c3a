import { Injectable } from '@nestjs/common';
import {
  DomainException,
  MAX_METRIC_TAG_FILTERS,
  MAX_METRIC_TAG_KEYS,
  METRIC_AGGREGATIONS,
  METRIC_LIMITS,
  METRIC_NAME_PATTERN,
  TIMESERIES_INTERVALS,
  tagFiltersOf,
  type FieldError,
  type MetricAggregation,
  type MetricNamesRequest,
  type MetricNamesResponse,
  type MetricSeriesRequest,
  type MetricSeriesResponse,
  type TimeseriesInterval,
  type TimeseriesPoint,
} from '@northstar/contracts';
import { AnalyticsConfig } from '../config';
import { AnalyticsAccess } from '../query/analytics-access';
import { AnalyticsRepository } from '../query/analytics.repository';
import { ProjectRetention } from '../query/project-retention';
import { assertBucketBound, queryRange } from '../query/query-range';
import { bucketsBetween } from '../query/time-buckets';
import {
  metricGroupedSeriesQuery,
  metricGroupsQuery,
  metricNamesQuery,
  metricSeriesQuery,
  metricValueQuery,
  type MetricScope,
} from './metric-query';

/** What a custom metric series is asked with: the route's query, or a saved insight's parameters. */
export interface MetricSeriesParams {
  name: string;
  /** Default `avg`. */
  agg?: MetricAggregation;
  /** Default `hour`. */
  interval?: TimeseriesInterval;
  /** ISO-8601; default: 7 days before `to`. */
  from?: string;
  /** ISO-8601, exclusive; default: now. */
  to?: string;
  /** IANA zone of the buckets; default UTC. */
  tz?: string;
  /** A tag key: one series per value of it. */
  groupBy?: string;
  /** Only points with these tag values. */
  tags?: Record<string, string>;
}

/**
 * Points of the last two days are read with FINAL, so that a redelivered or resent point not merged
 * away yet counts once; older ones as stored (metric-query.ts says why).
 */
export const METRIC_RECENT_FINAL_MS = 2 * 86_400_000;

// ClickHouse answers 64-bit integers (count) as JSON strings.
type Num = string | number;

/**
 * Custom metrics as analytics reads them: the names a project sent, one metric's series (zero-filled,
 * bucketed on a zone's clock with the events' time-series code, optionally one series per tag value),
 * and one number over a range for alerts. Queries run under the event queries' per-project gate and
 * time budget (AnalyticsRepository.read).
 */
@Injectable()
export class MetricSeriesQuery {
  constructor(
    private readonly access: AnalyticsAccess,
    private readonly retention: ProjectRetention,
    private readonly store: AnalyticsRepository,
    private readonly config: AnalyticsConfig,
  ) {}

  /** `GET /projects/:projectId/metrics`: the caller's access is checked first. */
  async names(request: MetricNamesRequest): Promise<MetricNamesResponse> {
    await this.access.assertCanRead(request.caller, request.projectId);
    const rows = await this.store.read<{ name: string; tag_keys: string[] }>(
      request.projectId,
      metricNamesQuery(request.projectId),
    );
    return {
      items: rows.map((row) => ({
        name: row.name,
        tagKeys: [...row.tag_keys].sort().slice(0, MAX_METRIC_TAG_KEYS),
      })),
    };
  }

  /**
   * `GET /projects/:projectId/metrics/:name`: the caller's access is checked first; the zone defaults
   * to the project's (from the user's grant), UTC for keys.
   */
  async seriesFor(request: MetricSeriesRequest): Promise<MetricSeriesResponse> {
    const grant = await this.access.assertCanRead(request.caller, request.projectId);
    return this.series(request.projectId, {
      name: request.name,
      ...(request.agg !== undefined && { agg: request.agg }),
      ...(request.interval !== undefined && { interval: request.interval }),
      ...(request.from !== undefined && { from: request.from }),
      ...(request.to !== undefined && { to: request.to }),
      ...((request.tz ?? grant.timezone) !== undefined && { tz: request.tz ?? grant.timezone }),
      ...(request.groupBy !== undefined && { groupBy: request.groupBy }),
      ...(request.tag !== undefined && { tags: tagFiltersOf(request.tag) }),
    });
  }

  /**
   * One custom metric's series over [from, to) of a project, for a caller ALREADY authorised to read
   * the project (the bus handler above, a dashboard's insight). Checks the parameters (400 naming the
   * field), the range (ANALYTICS_MAX_RANGE_DAYS, at most MAX_TIMESERIES_BUCKETS buckets) and the plan's
   * retention, exactly as the events' time series; every bucket is answered, empty ones as 0.
   * `points` without `groupBy`, else `series`: one per tag value, the MAX_METRIC_SERIES with the most
   * points, most first.
   */
  async series(projectId: string, params: MetricSeriesParams): Promise<MetricSeriesResponse> {
    const agg = params.agg ?? 'avg';
    const interval = params.interval ?? 'hour';
    const timeZone = params.tz ?? 'UTC';
    checkParams(params, agg, interval);
    const range = queryRange(params, this.config.ANALYTICS_MAX_RANGE_DAYS);
    assertBucketBound(range, interval);
    await this.retention.assertWithin(projectId, range.from);
    const scope: MetricScope = {
      projectId,
      name: params.name,
      ...range,
      tags: params.tags ?? {},
      recentFrom: new Date(Date.now() - METRIC_RECENT_FINAL_MS),
    };
    const buckets = bucketsBetween(range.from.getTime(), range.to.getTime(), interval, timeZone);
    const filled = (values: Map<number, number>): TimeseriesPoint[] =>
      buckets.map((t) => ({ t: new Date(t).toISOString(), value: values.get(t) ?? 0 }));
    const answer = { name: params.name, agg, interval };

    if (params.groupBy === undefined) {
      const rows = await this.store.read<{ t: Num; value: Num }>(
        projectId,
        metricSeriesQuery(scope, agg, interval, timeZone),
      );
      return {
        ...answer,
        points: filled(new Map(rows.map((row) => [Number(row.t) * 1000, Number(row.value)]))),
      };
    }
    const groups = (
      await this.store.read<{ grp: string }>(projectId, metricGroupsQuery(scope, params.groupBy))
    ).map((row) => row.grp);
    if (groups.length === 0) return { ...answer, series: [] };
    const rows = await this.store.read<{ grp: string; t: Num; value: Num }>(
      projectId,
      metricGroupedSeriesQuery(scope, agg, interval, timeZone, params.groupBy, groups),
    );
    const byGroup = new Map(groups.map((group) => [group, new Map<number, number>()]));
    for (const row of rows) byGroup.get(row.grp)?.set(Number(row.t) * 1000, Number(row.value));
    return {
      ...answer,
      series: groups.map((group) => ({ group, points: filled(byGroup.get(group) ?? new Map()) })),
    };
  }

  /** The aggregate of a metric's points over [from, to) (an alert's window), 0 without points. */
  async value(
    projectId: string,
    name: string,
    request: { from: string; to: string; aggregation?: MetricAggregation },
  ): Promise<number> {
    const agg = request.aggregation ?? 'avg';
    checkParams({ name }, agg, 'hour');
    const range = queryRange(request, this.config.ANALYTICS_MAX_RANGE_DAYS);
    const [row] = await this.store.read<{ value: Num }>(
      projectId,
      metricValueQuery(
        { projectId, name, ...range, tags: {}, recentFrom: new Date(Date.now() - METRIC_RECENT_FINAL_MS) },
        agg,
      ),
    );
    return Number(row?.value ?? 0);
  }
}

/** Parameters a saved insight may carry unchecked: each wrong one is a 400 naming it. */
function checkParams(params: MetricSeriesParams, agg: string, interval: string): void {
  const errors: FieldError[] = [];
  if (typeof params.name !== 'string' || !METRIC_NAME_PATTERN.test(params.name)) {
    errors.push({ field: 'name', message: 'name must be 1 to 128 of A-Z a-z 0-9 _ . : -' });
  }
  if (!(METRIC_AGGREGATIONS as readonly string[]).includes(agg)) {
    errors.push({ field: 'agg', message: `agg must be one of ${METRIC_AGGREGATIONS.join(', ')}` });
  }
  if (!(TIMESERIES_INTERVALS as readonly string[]).includes(interval)) {
    errors.push({ field: 'interval', message: `interval must be one of ${TIMESERIES_INTERVALS.join(', ')}` });
  }
  if (params.tz !== undefined && !isTimeZone(params.tz)) {
    errors.push({ field: 'tz', message: 'tz must be an IANA time zone' });
  }
  const { groupBy, tags } = params;
  if (
    groupBy !== undefined &&
    (typeof groupBy !== 'string' || groupBy.length === 0 || groupBy.length > METRIC_LIMITS.maxTagKeyLength)
  ) {
    errors.push({
      field: 'groupBy',
      message: `groupBy must be a tag key of 1 to ${METRIC_LIMITS.maxTagKeyLength} characters`,
    });
  }
  if (
    tags !== undefined &&
    (typeof tags !== 'object' ||
      tags === null ||
      Object.keys(tags).length > MAX_METRIC_TAG_FILTERS ||
      Object.values(tags).some((value) => typeof value !== 'string'))
  ) {
    errors.push({
      field: 'tags',
      message: `tags must map at most ${MAX_METRIC_TAG_FILTERS} tag keys to strings`,
    });
  }
  if (errors.length > 0) throw DomainException.invalid(errors);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
