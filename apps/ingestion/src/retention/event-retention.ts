import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CLICKHOUSE, sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { TenancySubjects } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { REDIS } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { PeriodicTask } from '@northstar/service-runtime';
import { IngestionConfig } from '../config';
import { droppablePartitions, retentionCutoff, retentionDeletions, type ProjectAge } from './retention-plan';

const LOCK_KEY = 'ingestion:retention:lock';
// Projects per mutation (and per question to tenancy): keeps each statement a reasonable size.
const CHUNK = 500;

/**
 * Deletes events older than their organisation's plan keeps them, every INGEST_RETENTION_INTERVAL_MS,
 * on one ingestion replica at a time (a Redis lock). Whole monthly partitions older than every plan's
 * retention are dropped, which rewrites nothing; within the months still kept for some plan, a project
 * with events past its own retention gets one mutation (ClickHouse 18.16 has no TTL), and only while
 * no earlier retention mutation is still running, so that a slow merge never piles them up.
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRetention.name);
  private readonly passes: PeriodicTask;

  constructor(
    private readonly config: IngestionConfig,
    private readonly bus: BusClient,
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.passes = new PeriodicTask(
      () =>
        this.pass(Date.now()).catch((error: unknown) =>
          this.logger.error(`Retention pass failed: ${String(error)}`),
        ),
      Math.max(1, config.INGEST_RETENTION_INTERVAL_MS),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.INGEST_RETENTION_INTERVAL_MS > 0) this.passes.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.passes.stop({ finalRun: false });
  }

  /** One pass now, unless another replica holds the lock; errors are logged, the next pass tries again. */
  run(): Promise<void> {
    return this.passes.run();
  }

  private async pass(now: number): Promise<void> {
    const owner = randomUUID();
    const lockMs = Math.max(60_000, this.config.INGEST_RETENTION_INTERVAL_MS / 2);
    if ((await this.redis.set(LOCK_KEY, owner, 'PX', lockMs, 'NX')) !== 'OK') return;
    try {
      const plans = await this.bus.send(TenancySubjects.listPlans, {});
      if (plans.length === 0) return;
      const days = plans.map((plan) => plan.retentionDays);
      await this.dropPartitions(retentionCutoff(now, Math.max(...days)));
      if (await this.mutationsRunning()) {
        this.logger.log('An earlier retention deletion is still running; this pass deletes nothing more');
        return;
      }
      const ages = await this.projectsOlderThan(retentionCutoff(now, Math.min(...days)));
      const retention = await this.retentionOf(ages.map((age) => age.projectId));
      for (const deletion of retentionDeletions(ages, retention, now, CHUNK)) {
        await this.clickhouse.command({
          query: toSql(
            sql`ALTER TABLE events DELETE WHERE has(${deletion.projectIds}, project_id) AND timestamp < ${new Date(deletion.cutoff)}`,
          ),
        });
        this.logger.log(
          `Deleting events before ${new Date(deletion.cutoff).toISOString()} of ${deletion.projectIds.length} project(s)`,
        );
      }
    } finally {
      // Only our own lock: a pass that outlived it must not free another replica's.
      if ((await this.redis.get(LOCK_KEY)) === owner) await this.redis.del(LOCK_KEY);
    }
  }

  private async dropPartitions(cutoff: number): Promise<void> {
    const result = await this.clickhouse.query({
      query: `SELECT DISTINCT partition FROM system.parts
              WHERE database = currentDatabase() AND table = 'events' AND active`,
      format: 'JSONEachRow',
    });
    const partitions = (await result.json<{ partition: string }>()).map((row) => row.partition);
    for (const partition of droppablePartitions(partitions, cutoff)) {
      await this.clickhouse.command({
        query: toSql(sql`ALTER TABLE events DROP PARTITION ${Number(partition)}`),
      });
      this.logger.log(`Dropped the events of ${partition}: older than every plan keeps`);
    }
  }

  private async mutationsRunning(): Promise<boolean> {
    const result = await this.clickhouse.query({
      query: `SELECT count() AS n FROM system.mutations
              WHERE database = currentDatabase() AND table = 'events' AND is_done = 0`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ n: string }>();
    return Number(row?.n ?? 0) > 0;
  }

  private async projectsOlderThan(cutoff: number): Promise<ProjectAge[]> {
    const result = await this.clickhouse.query({
      query: toSql(
        sql`SELECT project_id, toUnixTimestamp(min(timestamp)) AS oldest FROM events
            WHERE timestamp < ${new Date(cutoff)} GROUP BY project_id`,
      ),
      format: 'JSONEachRow',
    });
    return (await result.json<{ project_id: string; oldest: string | number }>()).map((row) => ({
      projectId: row.project_id,
      oldest: Number(row.oldest) * 1000,
    }));
  }

  private async retentionOf(projectIds: string[]): Promise<Map<string, number>> {
    const retention = new Map<string, number>();
    for (let i = 0; i < projectIds.length; i += CHUNK) {
      const { items } = await this.bus.send(TenancySubjects.projectRetention, {
        projectIds: projectIds.slice(i, i + CHUNK),
      });
      for (const item of items) retention.set(item.projectId, item.retentionDays);
    }
    return retention;
  }
}
