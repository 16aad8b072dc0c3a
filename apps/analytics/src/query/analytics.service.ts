import { Injectable } from '@nestjs/common';
import {
  AnalyticsSubjects,
  cursorCodec,
  cursorFields,
  customMetricName,
  pageLimit,
  toPage,
  DEFAULT_TOP_LIMIT,
  DomainException,
  type AnalyticsEventDto,
  type AnalyticsEventsResponse,
  type AnalyticsFilterQuery,
  type EventsRequest,
  type EventType,
  type FunnelRequest,
  type FunnelResponse,
  type MetricRequest,
  type MetricResponse,
  type SummaryRequest,
  type SummaryResponse,
  type TimeseriesRequest,
  type TimeseriesMetric,
  type TimeseriesResponse,
  type TopRequest,
  type TopResponse,
} from '@northstar/contracts';
import { AnalyticsConfig } from '../config';
import { MetricSeriesQuery } from '../metrics/metric-series.query';
import { AnalyticsAccess } from './analytics-access';
import { AnalyticsRepository, type EventRow } from './analytics.repository';
import { RpcUsageRepository } from '../usage/rpc-usage.repository';
import { ProjectRetention } from './project-retention';
import type { EventScope, EventsCursor } from './event-query';
import { assertBucketBound, queryRange } from './query-range';
import { bucketsBetween } from './time-buckets';

// The zone when neither the request nor the grant names one (API-key callers: no tenancy grant).
const DEFAULT_TIME_ZONE = 'UTC';

// Events are listed newest first, by second, then millisecond, then event id.
const eventsCursor = cursorCodec<EventsCursor>(AnalyticsSubjects.events, {
  timestamp: cursorFields.integer(0, 999_999_999_999),
  ms: cursorFields.integer(0, 999),
  id: cursorFields.uuid,
});

@Injectable()
export class AnalyticsService {
  constructor(
    private readonly access: AnalyticsAccess,
    private readonly retention: ProjectRetention,
    private readonly events: AnalyticsRepository,
    private readonly rpcUsage: RpcUsageRepository,
    private readonly config: AnalyticsConfig,
    private readonly customMetrics: MetricSeriesQuery,
  ) {}

  async summary(request: SummaryRequest): Promise<SummaryResponse> {
    const scope = await this.authorisedScope(request);
    const { value: row, approximate } = await this.events.summary(scope, request.exact === true);
    return {
      approximate,
      events: Number(row.events),
      users: Number(row.users),
      sessions: Number(row.sessions),
      pageviews: Number(row.pageviews),
      web3: {
        transactions: Number(row.transactions),
        wallets: Number(row.wallets),
        failedTransactions: Number(row.failedTransactions),
      },
    };
  }

  async timeseries(request: TimeseriesRequest): Promise<TimeseriesResponse> {
    const interval = request.interval ?? 'day';
    const scope = this.scopeOf(request);
    assertBucketBound(scope, interval);
    if (request.metric === 'rpc_calls') assertRpcSeries(interval, scope);
    const grant = await this.access.assertCanRead(request.caller, request.projectId);
    await this.retention.assertWithin(request.projectId, scope.from);
    const timeZone = request.tz ?? grant.timezone ?? DEFAULT_TIME_ZONE;
    const buckets = bucketsBetween(scope.from.getTime(), scope.to.getTime(), interval, timeZone);
    if (request.metric === 'rpc_calls') {
      const calls = await this.rpcUsage.series(
        request.projectId,
        scope.from,
        scope.to,
        interval as Exclude<typeof interval, 'minute'>,
        timeZone,
      );
      return {
        interval,
        approximate: false,
        points: buckets.map((t) => ({ t: new Date(t).toISOString(), value: calls.get(t) ?? 0 })),
      };
    }
    const { value: values, approximate } = await this.events.timeseries(
      scope,
      request.metric,
      interval,
      timeZone,
      buckets,
      request.exact === true,
    );
    const points = buckets.map((t) => ({ t: new Date(t).toISOString(), value: values.get(t) ?? 0 }));
    return { interval, approximate, points };
  }

  async metric(request: MetricRequest): Promise<MetricResponse> {
    const custom = customMetricName(request.metric);
    if (custom !== null) {
      await this.access.assertCanRead(request.caller, request.projectId);
      return { value: await this.customMetrics.value(request.projectId, custom, request) };
    }
    const scope = await this.authorisedScope({ ...request.filters, ...request });
    return { value: await this.events.metric(scope, request.metric as TimeseriesMetric) };
  }

  async top(request: TopRequest): Promise<TopResponse> {
    const scope = await this.authorisedScope(request);
    const { value: items, approximate } = await this.events.top(
      scope,
      request.dimension,
      request.limit ?? DEFAULT_TOP_LIMIT,
      request.exact === true,
    );
    return { approximate, items };
  }

  async funnel(request: FunnelRequest): Promise<FunnelResponse> {
    const scope = await this.authorisedScope(request);
    const steps = request.steps.map((step) => step.event);
    const levels = await this.events.funnelLevels(scope, steps, request.windowSeconds);
    // Someone at level n reached steps 1..n in order: step i counts everyone at level >= i.
    const reached = steps.map((_, index) =>
      [...levels].reduce((sum, [level, people]) => (level >= index + 1 ? sum + people : sum), 0),
    );
    const first = reached[0];
    return {
      steps: steps.map((event, index) => ({
        event,
        users: reached[index],
        conversion: first === 0 ? 0 : Math.round((reached[index] / first) * 10_000) / 10_000,
      })),
    };
  }

  async list(request: EventsRequest): Promise<AnalyticsEventsResponse> {
    const after = eventsCursor.decodeOptional(request.cursor);
    const scope = await this.authorisedScope(request);
    const limit = pageLimit(request.limit);
    const rows = await this.events.events(scope, limit + 1, after);
    return toPage(
      rows,
      limit,
      eventsCursor,
      (row) => ({ timestamp: Number(row.ts), ms: Number(row.timestamp_ms), id: row.id }),
      toEventDto,
    );
  }

  private async authorisedScope(
    request: AnalyticsFilterQuery & Pick<SummaryRequest, 'caller' | 'projectId'>,
  ): Promise<EventScope> {
    const scope = this.scopeOf(request);
    await this.access.assertCanRead(request.caller, request.projectId);
    // After the access check: a stranger learns nothing of the project's plan.
    await this.retention.assertWithin(request.projectId, scope.from);
    return scope;
  }

  /** The range and filters of a request; its bad parameters are a 400 before anything is read. */
  private scopeOf(request: AnalyticsFilterQuery & { projectId: string }): EventScope {
    const { from, to } = queryRange(request, this.config.ANALYTICS_MAX_RANGE_DAYS);
    return {
      projectId: request.projectId,
      from,
      to,
      filters: {
        ...(request.event !== undefined && { event: request.event }),
        ...(request.type !== undefined && { type: request.type }),
        ...(request.chainId !== undefined && { chainId: request.chainId }),
        ...(request.userId !== undefined && { userId: request.userId }),
      },
    };
  }
}

/** RPC calls are counted per UTC hour and per key, not per event: no minutes, no event filters. */
function assertRpcSeries(interval: string, scope: EventScope): void {
  if (interval === 'minute') {
    throw DomainException.invalid([
      { field: 'interval', message: 'rpc_calls are counted per hour: use interval hour or day' },
    ]);
  }
  const filtered = Object.keys(scope.filters);
  if (filtered.length > 0) {
    throw DomainException.invalid(
      filtered.map((field) => ({ field, message: `rpc_calls cannot be filtered by ${field}` })),
    );
  }
}

function toEventDto(row: EventRow): AnalyticsEventDto {
  // fromEntries defines own properties: a "__proto__" key stays a plain key.
  const properties = Object.fromEntries(
    row.property_keys.map((key, index) => [key, row.property_values[index] ?? '']),
  ) as Record<string, string>;
  const chainId = Number(row.chain_id);
  return {
    id: row.id,
    messageId: row.message_id,
    type: row.type as EventType,
    event: row.event,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    sessionId: row.session_id,
    timestamp: new Date(Number(row.ts) * 1000 + row.timestamp_ms).toISOString(),
    receivedAt: new Date(Number(row.received) * 1000).toISOString(),
    page: { url: row.page_url, path: row.page_path, referrer: row.page_referrer, title: row.page_title },
    country: row.country,
    browser: row.browser,
    os: row.os,
    web3: {
      chainId: chainId === 0 ? null : chainId,
      walletAddress: row.wallet_address,
      txHash: row.tx_hash,
      contractAddress: row.contract_address,
      method: row.method,
      value: row.value,
      status: row.tx_status,
    },
    properties,
  };
}
