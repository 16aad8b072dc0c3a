import { Injectable } from '@nestjs/common';
import {
  type CountEventsRequest,
  type CountEventsResponse,
  DEFAULT_USAGE_RANGE_MS,
  DomainException,
  KeysSubjects,
  MAX_ORG_USAGE_DAYS,
  MAX_TIMESERIES_BUCKETS,
  parseIsoTime,
  TenancySubjects,
  type KeyUsageRequest,
  type KeyUsageResponse,
  type OrgUsageRequest,
  type OrgUsageResponse,
  type ProjectDto,
  type UsageInterval,
  type UsageRangeQuery,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { AnalyticsRepository } from '../query/analytics.repository';
import { PrometheusUsage } from './prometheus-usage';
import { RpcUsageRepository } from './rpc-usage.repository';

const UNIT_MS: Record<UsageInterval, number> = { hour: 3_600_000, day: 86_400_000 };
const PROJECT_PAGE = 200;
// An organisation with more projects than this is beyond what one usage answer should carry.
const MAX_PROJECT_PAGES = 50;

/**
 * The developer-portal usage view. Key requests are the keys service's (it checks `keys:read`);
 * events are counted here from ClickHouse for the projects tenancy lists to the actor (viewer and up).
 * Usage is counted in whole UTC hours and days: the range is widened to them and reported as counted.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly bus: BusClient,
    private readonly events: AnalyticsRepository,
    private readonly prometheus: PrometheusUsage,
    private readonly verifications: RpcUsageRepository,
  ) {}

  async keyUsage(request: KeyUsageRequest): Promise<KeyUsageResponse> {
    const interval = request.interval ?? 'day';
    const { from, to } = alignedRange(request, UNIT_MS[interval]);
    if ((to - from) / UNIT_MS[interval] > MAX_TIMESERIES_BUCKETS) {
      throw DomainException.invalid([
        {
          field: 'interval',
          message: `interval ${interval} gives more than ${MAX_TIMESERIES_BUCKETS} points over this range: narrow from/to or use day`,
        },
      ]);
    }
    const usage = await this.bus.send(KeysSubjects.queryUsage, {
      actor: request.actor,
      keyId: request.keyId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    const perChain = new Map<string, number>();
    const perBucket = new Map<number, number>();
    let total = 0;
    for (const row of usage.hours) {
      const hour = Date.parse(row.hour);
      const bucket = hour - (hour % UNIT_MS[interval]);
      total += row.requests;
      perChain.set(row.chain, (perChain.get(row.chain) ?? 0) + row.requests);
      perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + row.requests);
    }
    const points = [];
    for (let t = from; t < to; t += UNIT_MS[interval]) {
      points.push({ t: new Date(t).toISOString(), value: perBucket.get(t) ?? 0 });
    }
    // Only once keys has authorised the actor: Prometheus and rpc_usage know nothing of tenants. The
    // RPC edge's own metrics when there are some; otherwise what its proxies asked Northstar to verify.
    const rpc = this.prometheus.enabled
      ? await this.prometheus.keyUsage(usage.keyId, new Date(from), new Date(Math.min(to, Date.now())))
      : await this.verifications.keyUsage(usage.projectId, usage.keyId, new Date(from), new Date(to));
    return {
      keyId: usage.keyId,
      projectId: usage.projectId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      interval,
      total,
      byChain: [...perChain]
        .map(([chain, count]) => ({ chain: chain === '' ? null : chain, count }))
        .sort((a, b) => b.count - a.count || (a.chain ?? '').localeCompare(b.chain ?? '')),
      points,
      rpc,
    };
  }

  async orgUsage(request: OrgUsageRequest): Promise<OrgUsageResponse> {
    const { from, to } = alignedRange(request, UNIT_MS.day);
    if ((to - from) / UNIT_MS.day > MAX_ORG_USAGE_DAYS) {
      throw DomainException.invalid([
        { field: 'from', message: `the range must not exceed ${MAX_ORG_USAGE_DAYS} days` },
      ]);
    }
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    // Listing the projects is the access check (a non-member: not_found); keys checks again itself.
    const projects = await this.projectsOf(request);
    const requests = await this.bus.send(KeysSubjects.queryOrgUsage, {
      actor: request.actor,
      orgId: request.orgId,
      ...range,
    });
    const events = await this.events.dailyEvents(
      projects.map((project) => project.id),
      new Date(from),
      new Date(to),
    );
    const keyRequests = new Map<string, number>();
    for (const row of requests.days) {
      keyRequests.set(`${row.projectId}|${Date.parse(`${row.day}T00:00:00Z`)}`, row.requests);
    }
    const total = { events: 0, keyRequests: 0 };
    const items = projects.map((project) => {
      const days = [];
      const sums = { events: 0, keyRequests: 0 };
      for (let t = from; t < to; t += UNIT_MS.day) {
        const day = {
          day: new Date(t).toISOString().slice(0, 10),
          events: events.get(project.id)?.get(t) ?? 0,
          keyRequests: keyRequests.get(`${project.id}|${t}`) ?? 0,
        };
        sums.events += day.events;
        sums.keyRequests += day.keyRequests;
        days.push(day);
      }
      total.events += sums.events;
      total.keyRequests += sums.keyRequests;
      return { projectId: project.id, name: project.name, ...sums, days };
    });
    return { orgId: request.orgId, ...range, total, projects: items };
  }

  /**
   * Events stored for the projects from the UTC day of `from` to the end of today, each event id
   * once, as the organisation usage counts them: the figure the gateways' quota counters must reach.
   */
  async countEvents(request: CountEventsRequest): Promise<CountEventsResponse> {
    const from = parseIsoTime(request.from);
    if (from === null)
      throw DomainException.invalid([{ field: 'from', message: 'from must be an ISO-8601 time' }]);
    const start = from - (from % UNIT_MS.day);
    const now = Date.now();
    const end = now - (now % UNIT_MS.day) + UNIT_MS.day;
    const days = await this.events.dailyEvents(
      request.projectIds,
      new Date(start),
      new Date(Math.max(end, start + UNIT_MS.day)),
    );
    let events = 0;
    for (const perDay of days.values()) for (const count of perDay.values()) events += count;
    return { events };
  }

  private async projectsOf(request: OrgUsageRequest): Promise<ProjectDto[]> {
    const projects: ProjectDto[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PROJECT_PAGES; page++) {
      const answer = await this.bus.send(TenancySubjects.listProjects, {
        actor: request.actor,
        orgId: request.orgId,
        limit: PROJECT_PAGE,
        ...(cursor !== undefined && { cursor }),
      });
      projects.push(...answer.items);
      if (answer.nextCursor === null) break;
      cursor = answer.nextCursor;
    }
    return projects;
  }
}

/** [from, to) widened to whole units (UTC): from rounded down, to rounded up; defaults: the last 30 days. */
function alignedRange(query: UsageRangeQuery, unit: number): { from: number; to: number } {
  const to = query.to === undefined ? Date.now() : parseIsoTime(query.to);
  if (to === null) throw DomainException.invalid([{ field: 'to', message: 'to must be an ISO-8601 time' }]);
  const from = query.from === undefined ? to - DEFAULT_USAGE_RANGE_MS : parseIsoTime(query.from);
  if (from === null)
    throw DomainException.invalid([{ field: 'from', message: 'from must be an ISO-8601 time' }]);
  if (from > to) throw DomainException.invalid([{ field: 'from', message: 'from must not be after to' }]);
  const start = from - (from % unit);
  const end = to % unit === 0 ? to : to - (to % unit) + unit;
  return { from: start, to: Math.max(end, start + unit) };
}
