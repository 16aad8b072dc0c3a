import { identifier, join, sql, type SqlFragment } from '@northstar/clickhouse';
import { DomainException, type EventType, type TimeseriesInterval } from '@northstar/contracts';

/**
 * The one query builder of analytics. Metrics and dimensions come from the whitelists below (an
 * unknown name is a 400 naming the field, never SQL), every value goes through the `sql` tag's
 * literal helper, and every query starts from the project the caller was authorised for.
 *
 * The events table is a ReplacingMergeTree: until a merge, a redelivered event is stored twice. So
 * counts are distinct event ids (`uniqExact(event_id)`), and the raw list keeps one row per id.
 */

export interface EventFilters {
  event?: string;
  type?: EventType;
  chainId?: number;
  userId?: string;
}

/** What every query is scoped to: the authorised project, a time range [from, to), the filters. */
export interface EventScope {
  projectId: string;
  from: Date;
  to: Date;
  filters: EventFilters;
}

// A person is the user id once known, else the anonymous id (the columns store '' for absent).
const PERSON = sql`if(user_id != '', user_id, anonymous_id)`;

const METRICS = {
  events: sql`uniqExact(event_id)`,
  users: sql`uniqExactIf(${PERSON}, ${PERSON} != '')`,
  sessions: sql`uniqExactIf(session_id, session_id != '')`,
  pageviews: sql`uniqExactIf(event_id, type = 'page')`,
  transactions: sql`uniqExactIf(event_id, type = 'transaction')`,
  failedTransactions: sql`uniqExactIf(event_id, type = 'transaction' AND tx_status = 'failed')`,
  wallets: sql`uniqExactIf(wallet_address, wallet_address != '')`,
} satisfies Record<string, SqlFragment>;

export type MetricName = keyof typeof METRICS;

interface Dimension {
  /** The value shown, as a string. */
  value: SqlFragment;
  /** Rows where the dimension has no value are left out of a top list. */
  present: SqlFragment;
}

const column = (name: string): Dimension => ({
  value: identifier(name),
  present: sql`${identifier(name)} != ''`,
});

const DIMENSIONS = {
  event: column('event'),
  page: column('page_path'),
  referrer: column('page_referrer_host'),
  country: column('country'),
  browser: column('browser'),
  os: column('os'),
  chain: { value: sql`toString(chain_id)`, present: sql`chain_id != 0` },
  contract: column('contract_address'),
  method: column('method'),
} satisfies Record<string, Dimension>;

export type DimensionName = keyof typeof DIMENSIONS;

/** Every top dimension, in the order of the roll-up's `dimension` enum. */
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as DimensionName[];

export const BUCKET_FUNCTIONS: Record<TimeseriesInterval, string> = {
  minute: 'toStartOfMinute',
  hour: 'toStartOfHour',
  day: 'toStartOfDay',
};

function invalid(field: string, message: string): DomainException {
  return DomainException.invalid([{ field, message }]);
}

/** A whitelisted metric's aggregate, or a 400 on `field`. */
export function metric(name: string, field = 'metric'): SqlFragment {
  if (!Object.hasOwn(METRICS, name)) {
    throw invalid(field, `${field} must be one of ${Object.keys(METRICS).join(', ')}`);
  }
  return METRICS[name as MetricName];
}

/** A whitelisted dimension, or a 400 on `field`. */
export function dimension(name: string, field = 'dimension'): Dimension {
  if (!Object.hasOwn(DIMENSIONS, name)) {
    throw invalid(field, `${field} must be one of ${Object.keys(DIMENSIONS).join(', ')}`);
  }
  return DIMENSIONS[name as DimensionName];
}

/**
 * The last whole second before an exclusive end: the last day a range [from, to) touches is this
 * second's (a range ending at midnight does not read the next day's granules).
 */
export function lastSecondBefore(to: Date): Date {
  return new Date(Math.ceil(to.getTime() / 1000) * 1000 - 1000);
}

/** The WHERE clause of a scope: the project first, always, then the range and the filters. */
export function whereOf(scope: EventScope): SqlFragment {
  const conditions = [
    sql`project_id = ${scope.projectId}`,
    // The day bounds let the primary key (project_id, toDate(timestamp)) skip other days' granules.
    sql`toDate(timestamp) >= toDate(${scope.from}) AND toDate(timestamp) <= toDate(${lastSecondBefore(scope.to)})`,
    sql`timestamp >= ${scope.from} AND timestamp < ${scope.to}`,
  ];
  const { event, type, chainId, userId } = scope.filters;
  if (event !== undefined) conditions.push(sql`event = ${event}`);
  if (type !== undefined) conditions.push(sql`type = ${type}`);
  if (chainId !== undefined) conditions.push(sql`chain_id = ${chainId}`);
  if (userId !== undefined) conditions.push(sql`user_id = ${userId}`);
  return join(conditions, ' AND ');
}

export function summaryQuery(scope: EventScope): SqlFragment {
  const names: MetricName[] = [
    'events',
    'users',
    'sessions',
    'pageviews',
    'transactions',
    'wallets',
    'failedTransactions',
  ];
  const columns = join(
    names.map((name) => sql`${metric(name)} AS ${identifier(name)}`),
    ', ',
  );
  return sql`SELECT ${columns} FROM events WHERE ${whereOf(scope)}`;
}

/** One row per non-empty bucket: `t` the bucket's start as a Unix time, `value` the metric. */
export function timeseriesQuery(
  scope: EventScope,
  metricName: string,
  interval: TimeseriesInterval,
  timeZone: string,
): SqlFragment {
  const aggregate = metric(metricName);
  const bucket = identifier(BUCKET_FUNCTIONS[interval]);
  return sql`SELECT toUnixTimestamp(${bucket}(timestamp, ${timeZone})) AS t, ${aggregate} AS value
    FROM events WHERE ${whereOf(scope)} GROUP BY t ORDER BY t`;
}

/** One row: the metric over the whole scope (distinct values counted once across the range). */
export function metricQuery(scope: EventScope, metricName: string): SqlFragment {
  return sql`SELECT ${metric(metricName)} AS value FROM events WHERE ${whereOf(scope)}`;
}

export function topQuery(scope: EventScope, dimensionName: string, limit: number): SqlFragment {
  const { value, present } = dimension(dimensionName);
  return sql`SELECT ${value} AS value, ${metric('events')} AS count, ${metric('users')} AS users
    FROM events WHERE ${whereOf(scope)} AND ${present}
    GROUP BY value ORDER BY count DESC, value ASC LIMIT ${limit}`;
}

/** How many people reached each level (0 = none of the steps in order) within the window. */
export function funnelQuery(scope: EventScope, steps: string[], windowSeconds: number): SqlFragment {
  const conditions = join(
    steps.map((step) => sql`event = ${step}`),
    ', ',
  );
  return sql`SELECT level, count() AS people FROM (
      SELECT ${PERSON} AS person, windowFunnel(${windowSeconds})(timestamp, ${conditions}) AS level
      FROM events WHERE ${whereOf(scope)} AND ${PERSON} != '' AND has(${steps}, event)
      GROUP BY person
    ) GROUP BY level`;
}

/**
 * `funnelQuery` without filters, on funnel_events: only rows of the steps' events are read (its key
 * starts with the event), three narrow columns of them, people grouped by a 64-bit hash.
 */
export function funnelEventsQuery(scope: EventScope, steps: string[], windowSeconds: number): SqlFragment {
  const conditions = join(
    steps.map((step) => sql`event = ${step}`),
    ', ',
  );
  const events = join(
    [...new Set(steps)].map((step) => sql`${step}`),
    ', ',
  );
  return sql`SELECT level, count() AS people FROM (
      SELECT person, windowFunnel(${windowSeconds})(timestamp, ${conditions}) AS level
      FROM funnel_events
      WHERE project_id = ${scope.projectId} AND event IN (${events})
        AND timestamp >= ${scope.from} AND timestamp < ${scope.to}
      GROUP BY person
    ) GROUP BY level`;
}

/** The position of the last event of a page: newest first by time, milliseconds, then id. */
export interface EventsCursor {
  timestamp: number;
  ms: number;
  id: string;
}

function afterCursor(after: EventsCursor | null): SqlFragment[] {
  if (!after) return [];
  const at = new Date(after.timestamp * 1000);
  return [
    sql`(timestamp < ${at} OR (timestamp = ${at} AND (timestamp_ms < ${after.ms}
        OR (timestamp_ms = ${after.ms} AND toString(event_id) < ${after.id}))))`,
  ];
}

/**
 * The positions of a page of the live view, newest first. Only the three sort columns are read: over
 * a month of a busy project, sorting whole rows costs several times more than sorting these.
 */
export function eventKeysQuery(scope: EventScope, limit: number, after: EventsCursor | null): SqlFragment {
  const conditions = [whereOf(scope), ...afterCursor(after)];
  // LIMIT 1 BY id: a redelivered event not merged yet is still listed once.
  return sql`SELECT toUnixTimestamp(timestamp) AS ts, timestamp_ms, toString(event_id) AS id
    FROM events WHERE ${join(conditions, ' AND ')}
    ORDER BY ts DESC, timestamp_ms DESC, id DESC
    LIMIT 1 BY id
    LIMIT ${limit}`;
}

/** The whole rows of the events at those positions, in the same order. */
export function eventsQuery(scope: EventScope, keys: EventsCursor[]): SqlFragment {
  const times = keys.map((key) => key.timestamp);
  // The page's own time span (within the scope), so the primary key skips every other day.
  const span: EventScope = {
    ...scope,
    from: new Date(Math.min(...times) * 1000),
    to: new Date((Math.max(...times) + 1) * 1000),
  };
  // The page's span bounds timestamp, a key column, so only the granules of that span are read whole;
  // UUID values rather than strings let the key narrow them further by id.
  const ids = join(
    keys.map((key) => sql`toUUID(${key.id})`),
    ', ',
  );
  return sql`SELECT toString(event_id) AS id, message_id, toString(type) AS type, event, user_id,
      anonymous_id, session_id, toUnixTimestamp(timestamp) AS ts, timestamp_ms,
      toUnixTimestamp(received_at) AS received, page_url, page_path, page_referrer, page_title,
      country, browser, os, chain_id, wallet_address, tx_hash, contract_address, method, value,
      tx_status, properties.key AS property_keys, properties.value AS property_values
    FROM events WHERE ${whereOf(span)} AND event_id IN (${ids})
    ORDER BY ts DESC, timestamp_ms DESC, id DESC
    LIMIT 1 BY id`;
}
