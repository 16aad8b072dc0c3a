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
 * The table is a ReplacingMergeTree keyed by the point's id: a redelivered or resent point is stored
 * twice until a merge collapses it. Points of the recent part of a range (`recentFrom` on: where
 * redeliveries and live resends land, in parts not merged yet) are read with FINAL, which collapses them
 * at read time; older points, merged by then, are read without it, FINAL's single merging stream
 * costing four times the plain read over millions of points. The two halves are combined as aggregate
 * states (`avgState` ... `avgMerge`), so a bucket across the boundary is still one exact aggregate.
 */

export interface MetricScope {
  projectId: string;
  name: string;
  from: Date;
  to: Date;
  /** Only points with these tag values (`tags[key] = value`). */
  tags: Record<string, string>;
  /** Points at or after this instant are read with FINAL (see above). */
  recentFrom: Date;
}

const STATES: Record<MetricAggregation, { state: SqlFragment; merge: SqlFragment }> = {
  sum: { state: sql`sumState(value)`, merge: sql`sumMerge(s)` },
  avg: { state: sql`avgState(value)`, merge: sql`avgMerge(s)` },
  min: { state: sql`minState(value)`, merge: sql`minMerge(s)` },
  max: { state: sql`maxState(value)`, merge: sql`maxMerge(s)` },
  count: { state: sql`countState()`, merge: sql`countMerge(s)` },
  // quantile: reservoir sampling of up to 8192 points per group, exact below that.
  p50: { state: sql`quantileState(0.5)(value)`, merge: sql`quantileMerge(0.5)(s)` },
  p95: { state: sql`quantileState(0.95)(value)`, merge: sql`quantileMerge(0.95)(s)` },
  p99: { state: sql`quantileState(0.99)(value)`, merge: sql`quantileMerge(0.99)(s)` },
};

/** The value of a tag on a row ('' when the row has no such tag). */
function tagValue(key: string): SqlFragment {
  return sql`arrayElement(tags.value, indexOf(tags.key, ${key}))`;
}

function whereOf(scope: Pick<MetricScope, 'projectId' | 'name' | 'from' | 'to' | 'tags'>): SqlFragment {
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

/**
 * The aggregate states of the scope's points per `keys`: the older part of the range read as stored,
 * the recent part with FINAL, as `UNION ALL` rows of (keys..., s) for the caller to merge.
 */
function statesOf(
  scope: MetricScope,
  agg: MetricAggregation,
  keys: SqlFragment,
  groupBy: SqlFragment | null,
  extra?: SqlFragment,
): SqlFragment {
  const cut = Math.min(Math.max(scope.recentFrom.getTime(), scope.from.getTime()), scope.to.getTime());
  const parts: SqlFragment[] = [];
  const select = (from: Date, to: Date, final: boolean) => {
    const where = extra
      ? sql`${whereOf({ ...scope, from, to })} AND ${extra}`
      : whereOf({ ...scope, from, to });
    return sql`SELECT ${keys}, ${STATES[agg].state} AS s FROM metrics ${final ? sql`FINAL` : sql``}
      WHERE ${where} ${groupBy ? sql`GROUP BY ${groupBy}` : sql``}`;
  };
  if (cut > scope.from.getTime()) parts.push(select(scope.from, new Date(cut), false));
  if (cut < scope.to.getTime() || parts.length === 0) parts.push(select(new Date(cut), scope.to, true));
  return join(parts, ' UNION ALL ');
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
  const states = statesOf(scope, agg, sql`${bucket(interval, timeZone)} AS t`, sql`t`);
  return sql`SELECT t, ${STATES[agg].merge} AS value FROM (${states}) GROUP BY t ORDER BY t`;
}

/**
 * The groups of a `groupBy` tag with the most points in the scope (at most MAX_METRIC_SERIES). A
 * ranking only: read without FINAL, a duplicate not merged yet weighs nothing worth the cost.
 */
export function metricGroupsQuery(scope: MetricScope, groupBy: string): SqlFragment {
  return sql`SELECT ${tagValue(groupBy)} AS grp, count() AS points
    FROM metrics WHERE ${whereOf(scope)}
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
  const states = statesOf(
    scope,
    agg,
    sql`${tagValue(groupBy)} AS grp, ${bucket(interval, timeZone)} AS t`,
    sql`grp, t`,
    sql`has(${groups}, ${tagValue(groupBy)})`,
  );
  return sql`SELECT grp, t, ${STATES[agg].merge} AS value FROM (${states}) GROUP BY grp, t ORDER BY grp, t`;
}

/** The aggregate over the whole scope, 0 without points (an alert's window). */
export function metricValueQuery(scope: MetricScope, agg: MetricAggregation): SqlFragment {
  const states = statesOf(scope, agg, sql`count() AS n`, null);
  return sql`SELECT sum(n) AS points, if(points = 0, 0, ${STATES[agg].merge}) AS value FROM (${states})`;
}

/** The project's metric names with the tag keys seen on their points (no FINAL: duplicates add nothing). */
export function metricNamesQuery(projectId: string): SqlFragment {
  return sql`SELECT name, groupUniqArrayArray(tags.key) AS tag_keys
    FROM metrics WHERE project_id = ${projectId}
    GROUP BY name ORDER BY name LIMIT ${MAX_METRIC_NAMES}`;
}
