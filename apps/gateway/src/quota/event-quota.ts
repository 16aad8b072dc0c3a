import {
  BusErrorCode,
  DomainException,
  AnalyticsSubjects,
  MAX_COUNT_EVENTS_PROJECTS,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { API_KEYS_REDIS } from '../api-keys/api-keys.redis';
import { PeriodicTask } from '@northstar/service-runtime';
import { GatewayConfig } from '../config';
import { PlanAllowances } from './plan-allowances';
import { QuotaNotices } from './quota-notices';
import {
  quotaAllows,
  quotaPeriodOf,
  quotaRemaining,
  quotaWarnings,
  secondsUntilReset,
  type QuotaPeriod,
  type QuotaWarning,
} from './quota-period';

// Counters outlive their month by a few days, for the reconciliation and anyone looking.
const COUNTER_TTL_SECONDS = 35 * 86_400;
// An organisation that sent nothing for this long is forgotten (its next request reads Redis again).
const IDLE_MS = 10 * 60_000;

/** Raises a counter to a stored count, never lowers it: the counter may hold events not written yet. */
const RAISE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local stored = tonumber(ARGV[1])
if stored > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return stored
end
return current
`;

/**
 * The quota's clock: the real one, which a test moves forward to the next month instead of waiting
 * for it (as the credit ledger's).
 */
@Injectable()
export class QuotaClock {
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }
}

interface OrgCounter {
  orgId: string;
  period: QuotaPeriod;
  /** The shared count, as of the last sync. */
  used: number;
  /** Events this gateway accepted and has not added to the shared count yet. */
  pending: number;
  /** Projects seen this period that the shared set may not hold yet. */
  newProjects: Set<string>;
  knownProjects: Set<string>;
  /** Warnings already handed to notifications this period (it keeps each once anyway). */
  warned: Set<QuotaWarning>;
  lastSeen: number;
}

const counterKey = (orgId: string, period: QuotaPeriod) => `gateway:quota:{${orgId}}:${period.id}:events`;
const projectsKey = (orgId: string, period: QuotaPeriod) => `gateway:quota:{${orgId}}:${period.id}:projects`;

/**
 * The organisations' monthly event quotas at ingestion. Counting never waits on a store: each gateway
 * counts in memory and, every QUOTA_SYNC_MS, adds its counts to one Redis counter per organisation and
 * month and reads back the total of every gateway (so the refusal may come up to a sync late: that is
 * what QUOTA_GRACE_PERCENT covers). Every QUOTA_RECONCILE_MS the counters are raised to the events
 * ClickHouse holds, should Redis have lost one. Fails open: without a plan or without Redis, events go in.
 */
@Injectable()
export class EventQuota implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventQuota.name);
  private readonly counters = new Map<string, OrgCounter>();
  private readonly loading = new Map<string, Promise<OrgCounter>>();
  private readonly syncing: PeriodicTask;
  private readonly reconciling: PeriodicTask;

  constructor(
    private readonly config: GatewayConfig,
    private readonly plans: PlanAllowances,
    private readonly notices: QuotaNotices,
    private readonly clock: QuotaClock,
    private readonly bus: BusClient,
    @Inject(API_KEYS_REDIS) private readonly redis: Redis,
  ) {
    this.syncing = new PeriodicTask(() => this.syncOnce(), config.QUOTA_SYNC_MS);
    this.reconciling = new PeriodicTask(() => this.reconcileOnce(), config.QUOTA_RECONCILE_MS);
  }

  /**
   * Admits a request of `events` events for the organisation, or throws the 429 to answer; either way
   * the reply carries the quota headers when the organisation's plan is known.
   */
  async admit(orgId: string, projectId: string, events: number, reply: FastifyReply): Promise<void> {
    const limit = await this.plans.monthlyEvents(orgId);
    if (limit === null) return;
    const now = this.clock.now();
    const counter = await this.counterOf(orgId, now);
    counter.lastSeen = now;
    if (!counter.knownProjects.has(projectId)) {
      counter.knownProjects.add(projectId);
      counter.newProjects.add(projectId);
    }
    const state = {
      limit,
      used: counter.used + counter.pending,
      gracePercent: this.config.QUOTA_GRACE_PERCENT,
    };
    const reset = secondsUntilReset(counter.period, now);
    const allowed = quotaAllows(state);
    void reply
      .header('x-quota-limit', String(limit))
      .header('x-quota-remaining', String(quotaRemaining(state, allowed ? events : 0)))
      .header('x-quota-reset', String(reset));
    if (!allowed) {
      throw new DomainException(
        BusErrorCode.RateLimited,
        `The organisation's monthly quota of ${limit} events is used up; events are accepted again when it resets ` +
          `on ${new Date(counter.period.end).toISOString()}`,
        { problem: 'quota-exceeded', retryAfterSeconds: reset },
      );
    }
  }

  /**
   * Events counted for the organisation this month by every gateway, as far as this one knows now
   * (the shared counter, plus what this gateway has not added to it yet).
   */
  async usedThisPeriod(orgId: string): Promise<number> {
    const period = quotaPeriodOf(this.clock.now());
    const local = this.counters.get(orgId);
    const pending = local && local.period.id === period.id ? local.pending : 0;
    return Number((await this.redis.get(counterKey(orgId, period))) ?? 0) + pending;
  }

  /** Counts events the stream took for the organisation (after the request was admitted). */
  count(orgId: string, events: number): void {
    if (events <= 0) return;
    const counter = this.counters.get(orgId);
    // Admitted without a counter: its plan was unknown, and nothing is being counted against it.
    if (counter) counter.pending += events;
  }

  onApplicationBootstrap(): void {
    this.syncing.start();
    this.reconciling.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reconciling.stop({ finalRun: false });
    await this.syncing.stop({ finalRun: true });
  }

  /** Adds this gateway's counts to the shared counters and reads the totals; one at a time. */
  sync(): Promise<void> {
    return this.syncing.run();
  }

  /** Raises every active counter to the events ClickHouse holds for the organisation's projects. */
  reconcile(): Promise<void> {
    return this.reconciling.run();
  }

  private async reconcileOnce(): Promise<void> {
    for (const counter of [...this.counters.values()]) {
      try {
        const projectIds = (await this.redis.smembers(projectsKey(counter.orgId, counter.period))).slice(
          0,
          MAX_COUNT_EVENTS_PROJECTS,
        );
        if (projectIds.length === 0) continue;
        const { events } = await this.bus.send(AnalyticsSubjects.countEvents, {
          projectIds,
          from: new Date(counter.period.start).toISOString(),
        });
        const total = Number(
          await this.redis.eval(
            RAISE_SCRIPT,
            1,
            counterKey(counter.orgId, counter.period),
            String(events),
            String(COUNTER_TTL_SECONDS),
          ),
        );
        if (total > counter.used) counter.used = total;
      } catch (error) {
        this.logger.warn(`Quota of organisation ${counter.orgId} not reconciled: ${String(error)}`);
      }
    }
  }

  private async counterOf(orgId: string, now: number): Promise<OrgCounter> {
    const period = quotaPeriodOf(now);
    const known = this.counters.get(orgId);
    if (known && known.period.id === period.id) return known;
    // A new month (its predecessor's pending counts are flushed by the next sync) or a first sight.
    let loading = this.loading.get(orgId);
    if (!loading) {
      loading = this.load(orgId, period, known).finally(() => this.loading.delete(orgId));
      this.loading.set(orgId, loading);
    }
    return loading;
  }

  private async load(orgId: string, period: QuotaPeriod, previous?: OrgCounter): Promise<OrgCounter> {
    let used = 0;
    try {
      used = Number((await this.redis.get(counterKey(orgId, period))) ?? 0);
    } catch (error) {
      // Without Redis this gateway counts alone until the next sync reaches it.
      this.logger.warn(`Quota counter of organisation ${orgId} unreadable: ${String(error)}`);
    }
    if (previous && previous.pending > 0) this.retired.push(previous);
    const counter: OrgCounter = {
      orgId,
      period,
      used,
      pending: 0,
      newProjects: new Set(),
      knownProjects: new Set(),
      warned: new Set(),
      lastSeen: this.clock.now(),
    };
    this.counters.set(orgId, counter);
    return counter;
  }

  /** Counters of a past month with counts still to add. */
  private retired: OrgCounter[] = [];

  private async syncOnce(): Promise<void> {
    const now = this.clock.now();
    // One pipeline per organisation: its keys share a hash slot, so this works on a Redis Cluster too.
    await Promise.all(
      [...this.retired, ...this.counters.values()].map((counter) => this.syncCounter(counter)),
    );
    this.retired = this.retired.filter((counter) => counter.pending > 0);
    for (const counter of [...this.counters.values()]) {
      if (counter.pending === 0 && now - counter.lastSeen > IDLE_MS) this.counters.delete(counter.orgId);
      else await this.warn(counter, now);
    }
  }

  private async syncCounter(counter: OrgCounter): Promise<void> {
    const flushing = counter.pending;
    const projects = [...counter.newProjects];
    const key = counterKey(counter.orgId, counter.period);
    const pipeline = this.redis.pipeline();
    if (flushing > 0) pipeline.incrby(key, flushing).expire(key, COUNTER_TTL_SECONDS);
    else pipeline.get(key);
    if (projects.length > 0) {
      const setKey = projectsKey(counter.orgId, counter.period);
      pipeline.sadd(setKey, ...projects).expire(setKey, COUNTER_TTL_SECONDS);
    }
    try {
      const results = await pipeline.exec();
      const [error, total] = results?.[0] ?? [new Error('no answer from Redis'), null];
      if (error) throw error;
      counter.pending -= flushing;
      counter.used = Number(total ?? 0);
      projects.forEach((projectId) => counter.newProjects.delete(projectId));
    } catch (error) {
      this.logger.warn(
        `Quota counter of organisation ${counter.orgId} not synced, retrying: ${String(error)}`,
      );
    }
  }

  private async warn(counter: OrgCounter, now: number): Promise<void> {
    const limit = await this.plans.monthlyEvents(counter.orgId);
    if (limit === null) return;
    const { warnings, exhaustsAt } = quotaWarnings({ limit, used: counter.used }, counter.period, now);
    for (const kind of warnings) {
      if (counter.warned.has(kind)) continue;
      const sent = await this.notices.send({
        orgId: counter.orgId,
        period: counter.period.id,
        kind,
        used: counter.used,
        limit,
        resetsAt: new Date(counter.period.end).toISOString(),
        ...(kind === 'quota-forecast' && exhaustsAt !== undefined
          ? { exhaustsAt: new Date(exhaustsAt).toISOString() }
          : {}),
      });
      if (sent) counter.warned.add(kind);
    }
  }
}
