import { identifier, join, sql, type SqlFragment } from '@northstar/clickhouse';
import type { TimeseriesInterval } from '@northstar/contracts';
import { dimension, type EventFilters } from './event-query';
import { DAY_MS, HOUR_MS, type Grain, type RollupPlan } from './rollup-plan';

/**
 * Queries that read the rolled periods of a plan from the roll-up tables (rollup_counts, rollup_people,
 * rollup_top, at the version rollup_state names) and only the plan's raw spans from the events table.
 * The two sides cover disjoint periods, so counts add up; distinct people, sessions and wallets are
 * uniqCombined sketches on both sides, merged before they are counted.
 */

/** The sketch of the roll-up tables; its parameter is part of the column type, so it is fixed here. */
const SKETCH_MERGE = sql`uniqCombinedIfMerge(14)`;
const PERSON = sql`if(user_id != '', user_id, anonymous_id)`;
const sketchOf = (value: SqlFragment) => sql`uniqCombinedIfState(14)(${value}, toUInt8(${value} != ''))`;

/** One project's plan. */
export interface ProjectPlan {
  projectId: string;
  plan: RollupPlan;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

const GRAIN_MS: Record<Grain, number> = { hour: HOUR_MS, day: DAY_MS };
const MAX_RUNS = 4;

/** rollup_top's bucket of a period start: the month of a day row, the day of an hour row. */
const bucketBound = (grain: Grain, start: number) =>
  grain === 'hour' ? sql`toDate(${new Date(start)})` : sql`toStartOfMonth(${new Date(start)})`;

/**
 * Rows of a roll-up table at the versions the plans chose (none: a condition that is never true). Each
 * run of consecutive periods is bounded on its own, so the primary key skips the periods between
 * them (the hours of the days in the middle of a range, which day rows answer); `buckets` bounds
 * rollup_top's bucket column as well.
 */
function rolledWhere(plans: ProjectPlan[], options: { buckets?: boolean } = {}): SqlFragment {
  const perProject = plans
    .filter(({ plan }) => plan.rolled.length > 0)
    .map(({ projectId, plan }) => {
      const byGrain = (['hour', 'day'] as Grain[])
        .map((grain) => {
          const periods = plan.rolled.filter((period) => period.grain === grain);
          if (periods.length === 0) return null;
          const starts = periods.map((period) => period.start);
          // A few runs (a range's edge days) are bounded one by one; many (hours between the cuts of a
          // half-hour zone's days) cost more to evaluate than the rows between them cost to read.
          const found = runsOf(starts, GRAIN_MS[grain]);
          const runs = (
            found.length <= MAX_RUNS
              ? found
              : [[Math.min(...starts), Math.max(...starts)] as [number, number]]
          ).map(([first, last]) => {
            const bucket = options.buckets
              ? sql` AND bucket >= ${bucketBound(grain, first)} AND bucket <= ${bucketBound(grain, last)}`
              : sql``;
            return sql`(period >= ${new Date(first)} AND period <= ${new Date(last)}${bucket})`;
          });
          // "period:version" strings: a set of strings is cheaper to build and probe than one of tuples.
          const pairs = join(
            periods.map((period) => sql`${`${seconds(period.start)}:${period.version}`}`),
            ', ',
          );
          return sql`(grain = ${grain} AND (${join(runs, ' OR ')})
            AND concat(toString(toUnixTimestamp(period)), ':', toString(version)) IN (${pairs}))`;
        })
        .filter((condition): condition is SqlFragment => condition !== null);
      return sql`(project_id = ${projectId} AND (${join(byGrain, ' OR ')}))`;
    });
  return perProject.length === 0 ? sql`0` : join(perProject, ' OR ');
}

/** [first, last] starts of each run of consecutive periods. */
function runsOf(starts: number[], step: number): [number, number][] {
  const runs: [number, number][] = [];
  for (const start of [...starts].sort((a, b) => a - b)) {
    const run = runs[runs.length - 1];
    if (run && run[1] + step === start) run[1] = start;
    else runs.push([start, start]);
  }
  return runs;
}

/**
 * Raw events of the plans' raw spans. Whole hours are one set (`toStartOfHour(timestamp) IN`), which
 * the primary key prunes by and which costs one lookup a row; only the partial hours at a range's
 * edges are time comparisons. (Thirty OR-ed ranges cost more to evaluate than the rows cost to read.)
 */
function rawWhere(plans: ProjectPlan[]): SqlFragment {
  const perProject = plans
    .filter(({ plan }) => plan.raw.length > 0)
    .map(({ projectId, plan }) => {
      const hours: number[] = [];
      const partial: SqlFragment[] = [];
      for (const span of plan.raw) {
        for (let t = span.from; t < span.to;) {
          const hourEnd = Math.floor(t / HOUR_MS) * HOUR_MS + HOUR_MS;
          const end = Math.min(span.to, hourEnd);
          if (t % HOUR_MS === 0 && end === hourEnd) hours.push(t);
          // Within one hour, so within one day: the day is a key column before timestamp.
          else
            partial.push(
              sql`(toDate(timestamp) = toDate(${new Date(t)}) AND timestamp >= ${new Date(t)} AND timestamp < ${new Date(end)})`,
            );
          t = end;
        }
      }
      const parts = [
        ...(hours.length > 0
          ? [
              sql`toStartOfHour(timestamp) IN (${join(
                hours.map((hour) => sql`${new Date(hour)}`),
                ', ',
              )})`,
            ]
          : []),
        ...partial,
      ];
      return sql`(project_id = ${projectId} AND (${join(parts, ' OR ')}))`;
    });
  return perProject.length === 0 ? sql`0` : join(perProject, ' OR ');
}

const hasRaw = (plans: ProjectPlan[]) => plans.some(({ plan }) => plan.raw.length > 0);
const hasRolled = (plans: ProjectPlan[]) => plans.some(({ plan }) => plan.rolled.length > 0);

/** The filters the counts roll-up keeps as columns (event, type, chain); a user id needs raw events. */
function countFilters(filters: EventFilters, side: 'rolled' | 'raw'): SqlFragment {
  const conditions: SqlFragment[] = [];
  if (filters.event !== undefined) conditions.push(sql`event = ${filters.event}`);
  if (filters.type !== undefined) conditions.push(sql`type = ${filters.type}`);
  if (filters.chainId !== undefined) conditions.push(sql`chain_id = ${filters.chainId}`);
  if (side === 'raw' && filters.userId !== undefined) conditions.push(sql`user_id = ${filters.userId}`);
  return conditions.length === 0 ? sql`` : sql` AND ${join(conditions, ' AND ')}`;
}

/** A bucket of the series: its start as a Unix time. */
export interface Bucketing {
  interval: Exclude<TimeseriesInterval, 'minute'>;
  timeZone: string;
}

const BUCKETS = { hour: 'toStartOfHour', day: 'toStartOfDay' } as const;

function bucketOf(column: 'period' | 'timestamp', bucketing: Bucketing | undefined): SqlFragment {
  if (!bucketing) return sql``;
  return sql`toUnixTimestamp(${identifier(BUCKETS[bucketing.interval])}(${identifier(column)}, ${bucketing.timeZone})) AS t, `;
}

/** UNION ALL of the sides the plans need (at least one, so the outer query always has a source). */
function union(plans: ProjectPlan[], rolled: SqlFragment, raw: SqlFragment): SqlFragment {
  const sides = [...(hasRolled(plans) ? [rolled] : []), ...(hasRaw(plans) || !hasRolled(plans) ? [raw] : [])];
  return join(sides, ' UNION ALL ');
}

export const COUNT_METRICS = ['events', 'pageviews', 'transactions', 'failedTransactions'] as const;
export const PEOPLE_METRICS = ['users', 'sessions', 'wallets'] as const;
export type CountMetric = (typeof COUNT_METRICS)[number];
export type PeopleMetric = (typeof PEOPLE_METRICS)[number];

/**
 * Events, pageviews, transactions and failed transactions over the plans (per bucket `t` with a
 * bucketing; per project too with `perProject`). Raw spans count distinct event ids, so an event
 * redelivered before ClickHouse merged it away counts once; the roll-up was de-duplicated when built.
 */
export function countsQuery(
  plans: ProjectPlan[],
  filters: EventFilters,
  options: { bucketing?: Bucketing; perProject?: boolean } = {},
): SqlFragment {
  const project = options.perProject ? sql`project_id, ` : sql``;
  const keys = [...(options.perProject ? [sql`project_id`] : []), ...(options.bucketing ? [sql`t`] : [])];
  const groupBy = keys.length === 0 ? sql`` : sql` GROUP BY ${join(keys, ', ')}`;
  const rolled = sql`SELECT ${project}${bucketOf('period', options.bucketing)}events AS ev,
      if(type = 'page', events, 0) AS pv, if(type = 'transaction', events, 0) AS tx,
      if(type = 'transaction' AND tx_failed = 1, events, 0) AS ftx
    FROM rollup_counts WHERE (${rolledWhere(plans)})${countFilters(filters, 'rolled')}`;
  const raw = sql`SELECT ${project}${bucketOf('timestamp', options.bucketing)}uniqExact(event_id) AS ev,
      uniqExactIf(event_id, type = 'page') AS pv, uniqExactIf(event_id, type = 'transaction') AS tx,
      uniqExactIf(event_id, type = 'transaction' AND tx_status = 'failed') AS ftx
    FROM events WHERE (${rawWhere(plans)})${countFilters(filters, 'raw')}${groupBy}`;
  return sql`SELECT ${project}${options.bucketing ? sql`t, ` : sql``}sum(ev) AS events, sum(pv) AS pageviews,
      sum(tx) AS transactions, sum(ftx) AS failedTransactions
    FROM (${union(plans, rolled, raw)})${groupBy}${options.bucketing ? sql` ORDER BY t` : sql``}`;
}

const PEOPLE_COLUMNS: Record<PeopleMetric, { rolled: string; raw: SqlFragment }> = {
  users: { rolled: 'users', raw: PERSON },
  sessions: { rolled: 'sessions', raw: sql`session_id` },
  wallets: { rolled: 'wallets', raw: sql`wallet_address` },
};

/**
 * Distinct people, sessions and wallets (those asked for) over the plans, per bucket `t` with a
 * bucketing: sketches, merged across the seam between rolled periods and raw spans.
 */
export function peopleQuery(
  plans: ProjectPlan[],
  metrics: readonly PeopleMetric[],
  bucketing?: Bucketing,
): SqlFragment {
  const groupBy = bucketing ? sql` GROUP BY t` : sql``;
  const rolledColumns = join(
    metrics.map((name) => sql`${identifier(PEOPLE_COLUMNS[name].rolled)} AS ${identifier(`s_${name}`)}`),
    ', ',
  );
  const rawColumns = join(
    metrics.map((name) => sql`${sketchOf(PEOPLE_COLUMNS[name].raw)} AS ${identifier(`s_${name}`)}`),
    ', ',
  );
  const merged = join(
    metrics.map((name) => sql`${SKETCH_MERGE}(${identifier(`s_${name}`)}) AS ${identifier(name)}`),
    ', ',
  );
  const rolled = sql`SELECT ${bucketOf('period', bucketing)}${rolledColumns}
    FROM rollup_people WHERE ${rolledWhere(plans)}`;
  const raw = sql`SELECT ${bucketOf('timestamp', bucketing)}${rawColumns}
    FROM events WHERE ${rawWhere(plans)}${groupBy}`;
  return sql`SELECT ${bucketing ? sql`t, ` : sql``}${merged}
    FROM (${union(plans, rolled, raw)})${groupBy}${bucketing ? sql` ORDER BY t` : sql``}`;
}

/** The values of a dimension with the most events, with their event counts. */
export function topCountsQuery(plan: ProjectPlan, dimensionName: string, limit: number): SqlFragment {
  const { value, present } = dimension(dimensionName);
  const plans = [plan];
  const rolled = sql`SELECT value, events AS c FROM rollup_top
    WHERE dimension = ${dimensionName} AND (${rolledWhere(plans, { buckets: true })})`;
  const raw = sql`SELECT ${value} AS value, uniqExact(event_id) AS c FROM events
    WHERE (${rawWhere(plans)}) AND ${present} GROUP BY value`;
  return sql`SELECT value, sum(c) AS count FROM (${union(plans, rolled, raw)})
    GROUP BY value ORDER BY count DESC, value ASC LIMIT ${limit}`;
}

/** Distinct people of the given values of a dimension (the top list's second step). */
export function topPeopleQuery(plan: ProjectPlan, dimensionName: string, values: string[]): SqlFragment {
  const { value } = dimension(dimensionName);
  const plans = [plan];
  const rolled = sql`SELECT value, users AS u FROM rollup_top
    WHERE dimension = ${dimensionName} AND (${rolledWhere(plans, { buckets: true })})
      AND value IN (${tupleOf(values)})`;
  const raw = sql`SELECT ${value} AS value, ${sketchOf(PERSON)} AS u FROM events
    WHERE (${rawWhere(plans)}) AND ${value} IN (${tupleOf(values)}) GROUP BY value`;
  return sql`SELECT value, ${SKETCH_MERGE}(u) AS users FROM (${union(plans, rolled, raw)}) GROUP BY value`;
}

const tupleOf = (values: string[]) =>
  join(
    values.map((item) => sql`${item}`),
    ', ',
  );
