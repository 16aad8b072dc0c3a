import { identifier, join, sql, type SqlFragment } from '@northstar/clickhouse';
import {
  MAX_METRIC_NAMES,
  MAX_METRIC_SERIES,
  type MetricAggregation,
  type TimeseriesInterval,
} from '@northstar/contracts';
import { BUCKET_FUNCTIONS, lastSecondBefore } from '../query/event-query';

/**
 * The query builders of custom metrics (the ClickHouse `metrics` table, written by ingestion). Every
 * query starts from the authorised project and the metric's name (the table's key), every value goes
 * through the `sql` tag's literals, aggregations come from the whitelist below.
 *
 * The table is a ReplacingMergeTree keyed by the point's id: until a merge, a redelivered or resent
 * point is stored twice, so points are read with FINAL, which collapses them at read time.
 */

export interface MetricScope {
  projectId: string;
  name: string;
  from: Date;
  to: Date;
  /** Only points with these tag values (`tags[key] = value`). */
  tags: Record<string, string>;
}

const AGGREGATES: Record<MetricAggregation, SqlFragment> = {
  sum: sql`sum(value)`,
  avg: sql`avg(value)`,
  min: sql`min(value)`,
  max: sql`max(value)`,
  count: sql`count()`,
  // quantile: reservoir sampling of up to 8192 points per group, exact below that.
  p50: sql`quantile(0.5)(value)`,
  p95: sql`quantile(0.95)(value)`,
  p99: sql`quantile(0.99)(value)`,
};

export function aggregateOf(agg: MetricAggregation): SqlFragment {
  return AGGREGATES[agg];
}

/** The value of a tag on a row ('' when the row has no such tag). */
function tagValue(key: string): SqlFragment {
  return sql`arrayElement(tags.value, indexOf(tags.key, ${key}))`;
}

function whereOf(scope: MetricScope): SqlFragment {
  const conditions = [
    sql`project_id = ${scope.projectId}`,
    sql`name = ${scope.name}`,
    // The day bounds let the key (project_id, name, toDate(timestamp), ...) skip other days' granules.
    sql`toDate(timestamp) >= toDate(${scope.from}) AND toDate(timestamp) <= toDate(${lastSecondBefore(scope.to)})`,
    sql`timestamp >= ${scope.from} AND timestamp < ${scope.to}`,
    ...Object.entries(scope.tags).map(
      ([key, value]) => sql`has(tags.key, ${key}) AND ${tagValue(key)} = ${value}`,
    ),
  ];
  return join(conditions, ' AND ');
}

function bucket(interval: TimeseriesInterval, timeZone: string): SqlFragment {
  return sql`toUnixTimestamp(${identifier(BUCKET_FUNCTIONS[interval])}(timestamp, ${timeZone}))`;
}

/** One row per non-empty bucket: `t` its start (Unix seconds), `value` the aggregate of its points. */
export function metricSeriesQuery(
  scope: MetricScope,
  agg: MetricAggregation,
  interval: TimeseriesInterval,
  timeZone: string,
): SqlFragment {
  return sql`SELECT ${bucket(interval, timeZone)} AS t, ${aggregateOf(agg)} AS value
    FROM metrics FINAL WHERE ${whereOf(scope)} GROUP BY t ORDER BY t`;
}

/** The groups of a `groupBy` tag with the most points in the scope (at most MAX_METRIC_SERIES). */
export function metricGroupsQuery(scope: MetricScope, groupBy: string): SqlFragment {
  return sql`SELECT ${tagValue(groupBy)} AS grp, count() AS points
    FROM metrics FINAL WHERE ${whereOf(scope)}
    GROUP BY grp ORDER BY points DESC, grp ASC LIMIT ${MAX_METRIC_SERIES}`;
}

/** One row per group and non-empty bucket, for the given groups only. */
export function metricGroupedSeriesQuery(
  scope: MetricScope,
  agg: MetricAggregation,
  interval: TimeseriesInterval,
  timeZone: string,
  groupBy: string,
  groups: string[],
): SqlFragment {
  return sql`SELECT ${tagValue(groupBy)} AS grp, ${bucket(interval, timeZone)} AS t, ${aggregateOf(agg)} AS value
    FROM metrics FINAL WHERE ${whereOf(scope)} AND has(${groups}, ${tagValue(groupBy)})
    GROUP BY grp, t ORDER BY grp, t`;
}

/** The aggregate over the whole scope, 0 without points (an alert's window). */
export function metricValueQuery(scope: MetricScope, agg: MetricAggregation): SqlFragment {
  return sql`SELECT count() AS points, if(points = 0, 0, ${aggregateOf(agg)}) AS value
    FROM metrics FINAL WHERE ${whereOf(scope)}`;
}

/** The project's metric names with the tag keys seen on their points (no FINAL: duplicates add nothing). */
export function metricNamesQuery(projectId: string): SqlFragment {
  return sql`SELECT name, groupUniqArrayArray(tags.key) AS tag_keys
    FROM metrics WHERE project_id = ${projectId}
    GROUP BY name ORDER BY name LIMIT ${MAX_METRIC_NAMES}`;
}
