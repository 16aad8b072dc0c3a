import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE, type ClickHouseClient, type SqlFragment } from '@northstar/clickhouse';
import { BusErrorCode, DomainException, type TimeseriesInterval } from '@northstar/contracts';
import {
  eventKeysQuery,
  eventsQuery,
  funnelQuery,
  metricQuery,
  summaryQuery,
  timeseriesQuery,
  topQuery,
  type EventScope,
  type EventsCursor,
} from './event-query';
import {
  dailyEventsQuery,
  hasRollup,
  rollupMetricQuery,
  rollupSpanOf,
  rollupSummaryQuery,
  rollupTimeseriesQuery,
} from './rollup-query';
import { AnalyticsConfig } from '../config';
import { queryWithinBudget } from './budgeted-query';
import { TenantQueryGate } from './tenant-query-gate';

const HOUR_MS = 3_600_000;
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

/** The events table, read through the query builder; nothing else in the service talks to ClickHouse. */
@Injectable()
export class AnalyticsRepository {
  private readonly gate: TenantQueryGate;

  constructor(
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
    private readonly config: AnalyticsConfig,
  ) {
    this.gate = new TenantQueryGate(config.ANALYTICS_MAX_QUERIES_PER_PROJECT);
  }

  /** Closed hours come from the roll-up when the filters allow it; the rest from raw events. */
  async summary(scope: EventScope): Promise<SummaryRow> {
    const span = rollupSpanOf(scope, Date.now());
    const [row] = await this.rows<SummaryRow>(
      scope.projectId,
      span ? rollupSummaryQuery(scope, span) : summaryQuery(scope),
    );
    return row;
  }

  /**
   * Values per bucket start (ms). `buckets` are the series' bucket starts: the roll-up serves hour and
   * day buckets only when they all start on whole hours (not in a zone with a half-hour offset).
   */
  async timeseries(
    scope: EventScope,
    metric: string,
    interval: TimeseriesInterval,
    timeZone: string,
    buckets: number[],
  ): Promise<Map<number, number>> {
    const span = rollupSpanOf(scope, Date.now());
    const query =
      span && interval !== 'minute' && hasRollup(metric) && buckets.every((t) => t % HOUR_MS === 0)
        ? rollupTimeseriesQuery(scope, span, metric, interval, timeZone)
        : timeseriesQuery(scope, metric, interval, timeZone);
    const rows = await this.rows<{ t: Count; value: Count }>(scope.projectId, query);
    return new Map(rows.map((row) => [Number(row.t) * 1000, Number(row.value)]));
  }

  /** The metric over the whole scope, closed hours from the roll-up when it can answer. */
  async metric(scope: EventScope, metric: string): Promise<number> {
    const span = rollupSpanOf(scope, Date.now());
    const query =
      span && hasRollup(metric) ? rollupMetricQuery(scope, span, metric) : metricQuery(scope, metric);
    const [row] = await this.rows<{ value: Count }>(scope.projectId, query);
    return Number(row?.value ?? 0);
  }

  /** Events per project and UTC day (ms of the day's start) over whole days [from, to). */
  async dailyEvents(projectIds: string[], from: Date, to: Date): Promise<Map<string, Map<number, number>>> {
    const days = new Map<string, Map<number, number>>();
    if (projectIds.length === 0) return days;
    const rows = await this.rows<{ project_id: string; day: Count; events: Count }>(
      `usage:${[...projectIds].sort().join(',')}`,
      dailyEventsQuery(projectIds, from, to, Date.now()),
    );
    for (const row of rows) {
      const perDay = days.get(row.project_id) ?? new Map<number, number>();
      perDay.set(Number(row.day) * 1000, Number(row.events));
      days.set(row.project_id, perDay);
    }
    return days;
  }

  async top(
    scope: EventScope,
    dimension: string,
    limit: number,
  ): Promise<{ value: string; count: number; users: number }[]> {
    const rows = await this.rows<{ value: string; count: Count; users: Count }>(
      scope.projectId,
      topQuery(scope, dimension, limit),
    );
    return rows.map((row) => ({ value: row.value, count: Number(row.count), users: Number(row.users) }));
  }

  /** People per funnel level (the number of steps they reached in order). */
  async funnelLevels(
    scope: EventScope,
    steps: string[],
    windowSeconds: number,
  ): Promise<Map<number, number>> {
    const rows = await this.rows<{ level: Count; people: Count }>(
      scope.projectId,
      funnelQuery(scope, steps, windowSeconds),
    );
    return new Map(rows.map((row) => [Number(row.level), Number(row.people)]));
  }

  /** A page of the live view in two steps: the positions (three columns), then those rows whole. */
  async events(scope: EventScope, limit: number, after: EventsCursor | null): Promise<EventRow[]> {
    const keys = await this.rows<{ ts: Count; timestamp_ms: number; id: string }>(
      scope.projectId,
      eventKeysQuery(scope, limit, after),
    );
    if (keys.length === 0) return [];
    return this.rows<EventRow>(
      scope.projectId,
      eventsQuery(
        scope,
        keys.map((key) => ({ timestamp: Number(key.ts), ms: key.timestamp_ms, id: key.id })),
      ),
    );
  }

  /**
   * A query of one tenant (a project, or the set of projects of a usage query), within its budget;
   * time spent waiting for the tenant's turn counts against the budget, so the answer still comes
   * before the bus timeout.
   */
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
      return queryWithinBudget<T>(this.clickhouse, query, left);
    });
  }
}
