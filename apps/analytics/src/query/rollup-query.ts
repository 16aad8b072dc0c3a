import { identifier, join, sql, type SqlFragment } from '@northstar/clickhouse';
import type { TimeseriesInterval } from '@northstar/contracts';
import { whereOf, type EventScope } from './event-query';

/**
 * Queries that read closed hours from the `events_hourly` roll-up and only the rest (the partial hours
 * at the edges of the range and the current, open hour) from raw events. Both sides produce the same
 * exact distinct-set states, unioned before they are merged, so distinct counts (people, wallets)
 * stay exact across the seam and an event id is counted once even if it is on both sides.
 */

const HOUR_MS = 3_600_000;

/** The hours [from, to) read from the roll-up. */
export interface RollupSpan {
  from: Date;
  to: Date;
}

/**
 * The whole hours of the scope that are closed at `now`, or null when the roll-up cannot answer
 * (a `userId` filter: users are not a key of the roll-up; or no whole closed hour in the range).
 */
export function rollupSpanOf(scope: EventScope, now: number): RollupSpan | null {
  if (scope.filters.userId !== undefined) return null;
  const start = Math.ceil(scope.from.getTime() / HOUR_MS) * HOUR_MS;
  const end = Math.floor(Math.min(scope.to.getTime(), now) / HOUR_MS) * HOUR_MS;
  return end > start ? { from: new Date(start), to: new Date(end) } : null;
}

const PERSON = sql`if(user_id != '', user_id, anonymous_id)`;

interface StateMetric {
  /** The merge function of the state. */
  merge: string;
  /** The state column of the roll-up. */
  rollup: string;
  /** The same state computed from raw events. */
  raw: SqlFragment;
  /** Rows counted, on the roll-up and on raw events. */
  where?: { rollup: SqlFragment; raw: SqlFragment };
}

const EVENT_IDS = { merge: 'uniqExactMerge', rollup: 'events', raw: sql`uniqExactState(event_id)` };
const TRANSACTIONS = { rollup: sql`type = 'transaction'`, raw: sql`type = 'transaction'` };

const STATE_METRICS: Record<string, StateMetric> = {
  events: EVENT_IDS,
  users: {
    merge: 'uniqExactIfMerge',
    rollup: 'users',
    raw: sql`uniqExactIfState(${PERSON}, toUInt8(${PERSON} != ''))`,
  },
  sessions: {
    merge: 'uniqExactIfMerge',
    rollup: 'sessions',
    raw: sql`uniqExactIfState(session_id, toUInt8(session_id != ''))`,
  },
  wallets: {
    merge: 'uniqExactIfMerge',
    rollup: 'wallets',
    raw: sql`uniqExactIfState(wallet_address, toUInt8(wallet_address != ''))`,
  },
  pageviews: { ...EVENT_IDS, where: { rollup: sql`type = 'page'`, raw: sql`type = 'page'` } },
  transactions: { ...EVENT_IDS, where: TRANSACTIONS },
  failedTransactions: {
    ...EVENT_IDS,
    where: {
      rollup: sql`type = 'transaction' AND tx_failed = 1`,
      raw: sql`type = 'transaction' AND tx_status = 'failed'`,
    },
  },
};

/** Whether a metric of the query builder can be read from the roll-up. */
export function hasRollup(metricName: string): boolean {
  return Object.hasOwn(STATE_METRICS, metricName);
}

function rollupWhere(scope: EventScope, span: RollupSpan): SqlFragment {
  const conditions = [sql`project_id = ${scope.projectId}`, sql`hour >= ${span.from} AND hour < ${span.to}`];
  const { event, type, chainId } = scope.filters;
  if (event !== undefined) conditions.push(sql`event = ${event}`);
  if (type !== undefined) conditions.push(sql`type = ${type}`);
  if (chainId !== undefined) conditions.push(sql`chain_id = ${chainId}`);
  return join(conditions, ' AND ');
}

/** Raw events of the scope outside the roll-up's hours. */
function rawWhere(scope: EventScope, span: RollupSpan): SqlFragment {
  return sql`${whereOf(scope)} AND NOT (timestamp >= ${span.from} AND timestamp < ${span.to})`;
}

const BUCKETS: Record<Exclude<TimeseriesInterval, 'minute'>, string> = {
  hour: 'toStartOfHour',
  day: 'toStartOfDay',
};

/**
 * One row per non-empty bucket, like `timeseriesQuery`. Only for hour and day buckets that start on
 * whole UTC hours (the caller checks the zone): each roll-up hour then lies in exactly one bucket.
 */
export function rollupTimeseriesQuery(
  scope: EventScope,
  span: RollupSpan,
  metricName: string,
  interval: Exclude<TimeseriesInterval, 'minute'>,
  timeZone: string,
): SqlFragment {
  const metric = STATE_METRICS[metricName];
  const bucket = identifier(BUCKETS[interval]);
  const extra = (side: 'rollup' | 'raw') => (metric.where ? sql` AND ${metric.where[side]}` : sql``);
  return sql`SELECT t, ${identifier(metric.merge)}(s) AS value FROM (
      SELECT toUnixTimestamp(${bucket}(hour, ${timeZone})) AS t, ${identifier(metric.rollup)} AS s
      FROM events_hourly WHERE ${rollupWhere(scope, span)}${extra('rollup')}
      UNION ALL
      SELECT toUnixTimestamp(${bucket}(timestamp, ${timeZone})) AS t, ${metric.raw} AS s
      FROM events WHERE ${rawWhere(scope, span)}${extra('raw')} GROUP BY t
    ) GROUP BY t ORDER BY t`;
}

/** One row: the metric over the whole scope, like `metricQuery`, closed hours from the roll-up. */
export function rollupMetricQuery(scope: EventScope, span: RollupSpan, metricName: string): SqlFragment {
  const metric = STATE_METRICS[metricName];
  const extra = (side: 'rollup' | 'raw') => (metric.where ? sql` AND ${metric.where[side]}` : sql``);
  return sql`SELECT ${identifier(metric.merge)}(s) AS value FROM (
      SELECT ${identifier(metric.rollup)} AS s
      FROM events_hourly WHERE ${rollupWhere(scope, span)}${extra('rollup')}
      UNION ALL
      SELECT ${metric.raw} AS s
      FROM events WHERE ${rawWhere(scope, span)}${extra('raw')}
    )`;
}

/** The summary's columns, as `summaryQuery` names them. */
export function rollupSummaryQuery(scope: EventScope, span: RollupSpan): SqlFragment {
  const { users, sessions, wallets } = STATE_METRICS;
  return sql`SELECT uniqExactMerge(ev) AS events, uniqExactIfMerge(us) AS users,
      uniqExactIfMerge(se) AS sessions, uniqExactMergeIf(ev, type = 'page') AS pageviews,
      uniqExactMergeIf(ev, type = 'transaction') AS transactions, uniqExactIfMerge(wa) AS wallets,
      uniqExactMergeIf(ev, type = 'transaction' AND tx_failed = 1) AS failedTransactions
    FROM (
      SELECT type, tx_failed, events AS ev, users AS us, sessions AS se, wallets AS wa
      FROM events_hourly WHERE ${rollupWhere(scope, span)}
      UNION ALL
      SELECT type, toUInt8(type = 'transaction' AND tx_status = 'failed') AS tx_failed,
        ${EVENT_IDS.raw} AS ev, ${users.raw} AS us, ${sessions.raw} AS se, ${wallets.raw} AS wa
      FROM events WHERE ${rawWhere(scope, span)} GROUP BY type, tx_failed
    )`;
}

/**
 * Events per project and UTC day over whole days [from, to), for the organisation usage view: closed
 * hours from the roll-up, the open hour (and anything after `now`) from raw events.
 */
export function dailyEventsQuery(projectIds: string[], from: Date, to: Date, now: number): SqlFragment {
  const ids = join(
    projectIds.map((id) => sql`${id}`),
    ', ',
  );
  const split = new Date(
    Math.max(from.getTime(), Math.min(to.getTime(), Math.floor(now / HOUR_MS) * HOUR_MS)),
  );
  return sql`SELECT project_id, toUnixTimestamp(toStartOfDay(h, 'UTC')) AS day, uniqExactMerge(s) AS events
    FROM (
      SELECT project_id, hour AS h, events AS s FROM events_hourly
      WHERE project_id IN (${ids}) AND hour >= ${from} AND hour < ${split}
      UNION ALL
      SELECT project_id, toStartOfHour(timestamp) AS h, uniqExactState(event_id) AS s FROM events
      WHERE project_id IN (${ids}) AND toDate(timestamp) >= toDate(${split}) AND toDate(timestamp) <= toDate(${to})
        AND timestamp >= ${split} AND timestamp < ${to}
      GROUP BY project_id, h
    ) GROUP BY project_id, day`;
}
