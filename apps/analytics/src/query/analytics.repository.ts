import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE, join, sql, toSql, type ClickHouseClient, type SqlFragment } from '@northstar/clickhouse';
import { BusErrorCode, DomainException, type TimeseriesInterval } from '@northstar/contracts';
import {
  eventKeysQuery,
  eventsQuery,
  funnelEventsQuery,
  funnelQuery,
  metricQuery,
  summaryQuery,
  timeseriesQuery,
  topQuery,
  type EventScope,
  type EventsCursor,
} from './event-query';
import { DAY_MS, HOUR_MS, planRange, usesRollup, type RollupStates } from './rollup-plan';
import {
  COUNT_METRICS,
  PEOPLE_METRICS,
  countsQuery,
  peopleQuery,
  topCountsQuery,
  topPeopleQuery,
  type Bucketing,
  type CountMetric,
  type PeopleMetric,
  type ProjectPlan,
} from './rollup-query';
import { AnalyticsConfig } from '../config';
import { queryWithinBudget } from './budgeted-query';
import { TenantQueryGate } from './tenant-query-gate';

// ClickHouse's time limit is in whole seconds: a query is not started with less than one left.
const MIN_QUERY_TIME_MS = 1000;

// ClickHouse answers 64-bit integers as JSON strings.
type Count = string | number;

export interface SummaryRow {
  events: Count;
  users: Count;
  sessions: Count;
  pageviews: Count;
  transactions: Count;
  wallets: Count;
  failedTransactions: Count;
}

export interface EventRow {
  id: string;
  message_id: string;
  type: string;
  event: string;
  user_id: string;
  anonymous_id: string;
  session_id: string;
  ts: Count;
  timestamp_ms: number;
  received: Count;
  page_url: string;
  page_path: string;
  page_referrer: string;
  page_title: string;
  country: string;
  browser: string;
  os: string;
  chain_id: Count;
  wallet_address: string;
  tx_hash: string;
  contract_address: string;
  method: string;
  value: string;
  tx_status: string;
  property_keys: string[];
  property_values: string[];
}

/** An answer and whether its distinct counts are sketches (estimates) rather than exact counts. */
export interface Estimated<T> {
  value: T;
  approximate: boolean;
}

// Answers read wholly from roll-up rows (no raw span) cannot change: their SQL names the versions.
const ANSWER_CACHE_SIZE = 500;
// Newest events are looked for in the newest part of the range first: most pages fill from there.
const NEWEST_WINDOWS_MS = [HOUR_MS, DAY_MS, 7 * DAY_MS];

const hasFilters = (scope: EventScope) => Object.keys(scope.filters).length > 0;

/** The event store and its roll-ups, read through the query builders; nothing else talks to ClickHouse. */
@Injectable()
export class AnalyticsRepository {
  private readonly gate: TenantQueryGate;
  private readonly answers = new Map<string, unknown[]>();

  constructor(
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
    private readonly config: AnalyticsConfig,
  ) {
    this.gate = new TenantQueryGate(config.ANALYTICS_MAX_QUERIES_PER_PROJECT);
  }

  /**
   * Rolled periods from the roll-ups, the rest from raw events. Filters, and `exact`, read raw events
   * only, with exact distinct counts.
   */
  async summary(scope: EventScope, exact: boolean): Promise<Estimated<SummaryRow>> {
    const plan = exact || hasFilters(scope) ? null : await this.planOf(scope, { days: true });
    if (!plan || !usesRollup(plan.plan)) {
      const [row] = await this.rows<SummaryRow>(scope.projectId, summaryQuery(scope));
      return { value: row, approximate: false };
    }
    const [[counts], [people]] = await Promise.all([
      this.planned<Record<CountMetric, Count>>(plan, countsQuery([plan], scope.filters)),
      this.planned<Record<PeopleMetric, Count>>(plan, peopleQuery([plan], PEOPLE_METRICS)),
    ]);
    return { value: { ...counts, ...people }, approximate: true };
  }

  /**
   * Values per bucket start (ms). `buckets` are the series' bucket starts: roll-up hours serve the hours
   * that lie within one bucket, day rows only buckets that are UTC days.
   */
  async timeseries(
    scope: EventScope,
    metric: string,
    interval: TimeseriesInterval,
    timeZone: string,
    buckets: number[],
    exact: boolean,
  ): Promise<Estimated<Map<number, number>>> {
    // Buckets that start inside an hour (a half-hour zone) cut it: that hour is read raw.
    const plan =
      exact || interval === 'minute' || !this.rollupServes(scope, metric)
        ? null
        : await this.planOf(scope, {
            days: interval === 'day' && buckets.every((t) => t % DAY_MS === 0),
            cuts: buckets,
          });
    if (!plan || !usesRollup(plan.plan) || interval === 'minute') {
      const rows = await this.rows<{ t: Count; value: Count }>(
        scope.projectId,
        timeseriesQuery(scope, metric, interval, timeZone),
      );
      return {
        value: new Map(rows.map((row) => [Number(row.t) * 1000, Number(row.value)])),
        approximate: false,
      };
    }
    const bucketing: Bucketing = { interval, timeZone };
    const counted = isCountMetric(metric);
    const rows = await this.planned<Record<string, Count> & { t: Count }>(
      plan,
      counted
        ? countsQuery([plan], scope.filters, { bucketing })
        : peopleQuery([plan], [metric as PeopleMetric], bucketing),
    );
    return {
      value: new Map(rows.map((row) => [Number(row.t) * 1000, Number(row[metric])])),
      approximate: !counted,
    };
  }

  /** The metric over the whole scope (for alerts), rolled periods from the roll-ups when they serve. */
  async metric(scope: EventScope, metric: string): Promise<number> {
    const plan = this.rollupServes(scope, metric) ? await this.planOf(scope, { days: true }) : null;
    if (!plan || !usesRollup(plan.plan)) {
      const [row] = await this.rows<{ value: Count }>(scope.projectId, metricQuery(scope, metric));
      return Number(row?.value ?? 0);
    }
    const query = isCountMetric(metric)
      ? countsQuery([plan], scope.filters)
      : peopleQuery([plan], [metric as PeopleMetric]);
    const [row] = await this.planned<Record<string, Count>>(plan, query);
    return Number(row?.[metric] ?? 0);
  }

  /** Events per project and UTC day (ms of the day's start) over whole days [from, to). */
  async dailyEvents(projectIds: string[], from: Date, to: Date): Promise<Map<string, Map<number, number>>> {
    const days = new Map<string, Map<number, number>>();
    if (projectIds.length === 0) return days;
    const tenant = `usage:${[...projectIds].sort().join(',')}`;
    const states = await this.statesOf(tenant, projectIds, from.getTime(), to.getTime());
    const plans = projectIds.map((projectId) => ({
      projectId,
      plan: planRange(from.getTime(), to.getTime(), states(projectId), { days: true }),
    }));
    const rows = await this.rows<{ project_id: string; t: Count; events: Count }>(
      tenant,
      countsQuery(plans, {}, { bucketing: { interval: 'day', timeZone: 'UTC' }, perProject: true }),
    );
    for (const row of rows) {
      const perDay = days.get(row.project_id) ?? new Map<number, number>();
      perDay.set(Number(row.t) * 1000, Number(row.events));
      days.set(row.project_id, perDay);
    }
    return days;
  }

  /** The values of a dimension with the most events; `users` are sketches when roll-ups answered. */
  async top(
    scope: EventScope,
    dimension: string,
    limit: number,
    exact: boolean,
  ): Promise<Estimated<{ value: string; count: number; users: number }[]>> {
    const plan = exact || hasFilters(scope) ? null : await this.planOf(scope, { days: true });
    if (!plan || !usesRollup(plan.plan)) {
      const rows = await this.rows<{ value: string; count: Count; users: Count }>(
        scope.projectId,
        topQuery(scope, dimension, limit),
      );
      return {
        value: rows.map((row) => ({ value: row.value, count: Number(row.count), users: Number(row.users) })),
        approximate: false,
      };
    }
    // Counts first, people only for the values that made the list: merging sketches is the dear part.
    const counts = await this.planned<{ value: string; count: Count }>(
      plan,
      topCountsQuery(plan, dimension, limit),
    );
    const people =
      counts.length === 0
        ? []
        : await this.planned<{ value: string; users: Count }>(
            plan,
            topPeopleQuery(
              plan,
              dimension,
              counts.map((row) => row.value),
            ),
          );
    const users = new Map(people.map((row) => [row.value, Number(row.users)]));
    return {
      value: counts.map((row) => ({
        value: row.value,
        count: Number(row.count),
        users: users.get(row.value) ?? 0,
      })),
      approximate: true,
    };
  }

  /**
   * People per funnel level (the number of steps they reached in order). Without filters, from
   * funnel_events (the named events of people only, a person as a hash); exact either way.
   */
  async funnelLevels(
    scope: EventScope,
    steps: string[],
    windowSeconds: number,
  ): Promise<Map<number, number>> {
    const rows = await this.rows<{ level: Count; people: Count }>(
      scope.projectId,
      hasFilters(scope)
        ? funnelQuery(scope, steps, windowSeconds)
        : funnelEventsQuery(scope, steps, windowSeconds),
    );
    return new Map(rows.map((row) => [Number(row.level), Number(row.people)]));
  }

  /**
   * A page of the live view in two steps: the positions (three columns), then those rows whole. The
   * positions are looked for in the newest hour, day and week of the range before the whole of it.
   */
  async events(scope: EventScope, limit: number, after: EventsCursor | null): Promise<EventRow[]> {
    const end = Math.min(scope.to.getTime(), after ? (after.timestamp + 1) * 1000 : Infinity);
    let keys: { ts: Count; timestamp_ms: number; id: string }[] = [];
    for (const window of [...NEWEST_WINDOWS_MS, Infinity]) {
      const from = Math.max(scope.from.getTime(), end - window);
      keys = await this.rows(
        scope.projectId,
        eventKeysQuery({ ...scope, from: new Date(from) }, limit, after),
      );
      if (keys.length >= limit || from === scope.from.getTime()) break;
    }
    if (keys.length === 0) return [];
    return this.rows<EventRow>(
      scope.projectId,
      eventsQuery(
        scope,
        keys.map((key) => ({ timestamp: Number(key.ts), ms: key.timestamp_ms, id: key.id })),
      ),
    );
  }

  /** Metrics the roll-ups serve under these filters: counts keep event, type and chain; people none. */
  private rollupServes(scope: EventScope, metric: string): boolean {
    if (scope.filters.userId !== undefined) return false;
    return isCountMetric(metric) || !hasFilters(scope);
  }

  private async planOf(scope: EventScope, options: { days: boolean; cuts?: number[] }): Promise<ProjectPlan> {
    const from = scope.from.getTime();
    const to = scope.to.getTime();
    const states = await this.statesOf(scope.projectId, [scope.projectId], from, to);
    return { projectId: scope.projectId, plan: planRange(from, to, states(scope.projectId), options) };
  }

  /** When each hour around [from, to) was last written and rolled, per project. */
  private async statesOf(
    tenant: string,
    projectIds: string[],
    from: number,
    to: number,
  ): Promise<(projectId: string) => RollupStates> {
    const ids = join(
      projectIds.map((id) => sql`${id}`),
      ', ',
    );
    const start = new Date(Math.floor(from / HOUR_MS) * HOUR_MS);
    const end = new Date(to);
    const [writes, versions] = await Promise.all([
      this.rows<{ project_id: string; h: Count; w: Count }>(
        tenant,
        sql`SELECT project_id, toUnixTimestamp(hour) AS h, toUnixTimestamp(max(last_write)) AS w
          FROM hour_writes WHERE project_id IN (${ids}) AND hour >= ${start} AND hour < ${end}
          GROUP BY project_id, h`,
      ),
      this.rows<{ project_id: string; grain: string; p: Count; v: Count }>(
        tenant,
        sql`SELECT project_id, toString(grain) AS grain, toUnixTimestamp(period) AS p, max(version) AS v
          FROM rollup_state WHERE project_id IN (${ids}) AND period >= ${start} AND period < ${end}
          GROUP BY project_id, grain, p`,
      ),
    ]);
    const byProject = new Map<string, RollupStates>();
    const of = (projectId: string) => {
      let states = byProject.get(projectId);
      if (!states) {
        states = { lastWrites: new Map(), versions: new Map() };
        byProject.set(projectId, states);
      }
      return states;
    };
    for (const row of writes) of(row.project_id).lastWrites.set(Number(row.h) * 1000, Number(row.w));
    for (const row of versions) {
      of(row.project_id).versions.set(`${row.grain}:${Number(row.p) * 1000}`, Number(row.v));
    }
    return of;
  }

  /** A query over a plan; one that reads roll-up rows only is answered from memory the next time. */
  private async planned<T>(plan: ProjectPlan, query: SqlFragment): Promise<T[]> {
    if (plan.plan.raw.length > 0) return this.rows<T>(plan.projectId, query);
    const key = toSql(query);
    const cached = this.answers.get(key);
    if (cached) {
      // Most recently used last: the first key is the one to evict.
      this.answers.delete(key);
      this.answers.set(key, cached);
      return cached as T[];
    }
    const rows = await this.rows<T>(plan.projectId, query);
    this.answers.set(key, rows);
    if (this.answers.size > ANSWER_CACHE_SIZE)
      this.answers.delete(this.answers.keys().next().value as string);
    return rows;
  }

  /**
   * A query of one tenant (a project, or the set of projects of a usage query), within its budget;
   * time spent waiting for the tenant's turn counts against the budget, so the answer still comes
   * before the bus timeout.
   */
  /**
   * A query of the tenant's that another reader of the event store (custom metrics) runs under the same
   * per-tenant gate and time budget as the event queries.
   */
  read<T>(tenant: string, query: SqlFragment): Promise<T[]> {
    return this.rows<T>(tenant, query);
  }

  private rows<T>(tenant: string, query: SqlFragment): Promise<T[]> {
    const queued = Date.now();
    return this.gate.run(tenant, () => {
      const left = this.config.ANALYTICS_QUERY_BUDGET_MS - (Date.now() - queued);
      if (left < MIN_QUERY_TIME_MS) {
        throw new DomainException(
          BusErrorCode.RateLimited,
          'This project has too many analytics queries running; try again in a moment',
          { retryAfterSeconds: 1 },
        );
      }
      // A tenant's first query runs at ClickHouse's highest priority, its second at the next and so
      // on: a dashboard firing many queries at once yields the cores to other tenants' first ones.
      return queryWithinBudget<T>(this.clickhouse, query, left, this.gate.runningFor(tenant));
    });
  }
}

function isCountMetric(metric: string): metric is CountMetric {
  return (COUNT_METRICS as readonly string[]).includes(metric);
}
