import { Logger } from '@nestjs/common';
import {
  alterTarget,
  identifier,
  sql,
  storedTable,
  toSql,
  type ClickHouseClient,
  type ClickHouseTopology,
} from '@northstar/clickhouse';
import { TenancySubjects } from '@northstar/contracts';
import type { BusClient } from '@northstar/messaging';
import { PeriodicTask } from '@northstar/service-runtime';
import { droppablePartitions, retentionCutoff, retentionDeletions, type ProjectAge } from './retention-plan';

/** A table holding a project's rows by time, partitioned by `toYYYYMM(<time column>)` or not at all. */
export interface RetainedTable {
  table: string;
  /** A DateTime column: rows older than the project's retention go. */
  timeColumn: string;
}

/** Keeps one replica at a time in a pass; `null` when another holds it. */
export type RetentionLock = (holdMs: number) => Promise<(() => Promise<void>) | null>;

export interface ClickHouseRetentionOptions {
  /** The tables, in the order their rows are deleted. */
  tables: readonly RetainedTable[];
  intervalMs: number;
  clickhouse: ClickHouseClient;
  /**
   * The ClickHouse cluster, if any: deletions then go to every replica's local table (ON CLUSTER), and
   * the parts and running mutations looked at are those of the replica this process talks to.
   */
  topology: ClickHouseTopology;
  bus: BusClient;
  /** Without one every replica makes passes; the running-mutation check keeps them from piling up. */
  lock?: RetentionLock;
  logger: Logger;
}

/** What tenancy said of each project's retention during one pass (every table shares it). */
interface KnownRetention {
  days: Map<string, number>;
  asked: Set<string>;
}

// Projects per mutation (and per question to tenancy): keeps each statement a reasonable size.
const CHUNK = 500;

/**
 * Deletes the rows of a service's ClickHouse tables older than their organisation's plan keeps them,
 * every `intervalMs`. Whole monthly partitions older than every plan's retention are dropped, which
 * rewrites nothing; within the months still kept for some plan, the projects with rows past their own
 * retention get one mutation per table (ClickHouse 18.16 has no TTL), and only while no earlier
 * mutation of that table is still running, so that a slow merge never piles them up. The plans and
 * each project's retention come from tenancy over the bus.
 */
export class ClickHouseRetention {
  private readonly passes: PeriodicTask;

  constructor(private readonly options: ClickHouseRetentionOptions) {
    this.passes = new PeriodicTask(
      () =>
        this.pass(Date.now()).catch((error: unknown) =>
          options.logger.error(`Retention pass failed: ${String(error)}`),
        ),
      Math.max(1, options.intervalMs),
    );
  }

  start(): void {
    if (this.options.intervalMs > 0) this.passes.start();
  }

  stop(): Promise<void> {
    return this.passes.stop({ finalRun: false });
  }

  /** One pass now, unless another replica holds the lock; errors are logged, the next pass tries again. */
  run(): Promise<void> {
    return this.passes.run();
  }

  private async pass(now: number): Promise<void> {
    const release = this.options.lock
      ? await this.options.lock(Math.max(60_000, this.options.intervalMs / 2))
      : async () => undefined;
    if (!release) return;
    try {
      const plans = await this.options.bus.send(TenancySubjects.listPlans, {});
      if (plans.length === 0) return;
      const days = plans.map((plan) => plan.retentionDays);
      const retention: KnownRetention = { days: new Map(), asked: new Set() };
      for (const table of this.options.tables) {
        await this.dropPartitions(table, retentionCutoff(now, Math.max(...days)));
        await this.deleteRows(table, retentionCutoff(now, Math.min(...days)), retention, now);
      }
    } finally {
      await release();
    }
  }

  private async dropPartitions({ table }: RetainedTable, cutoff: number): Promise<void> {
    const result = await this.options.clickhouse.query({
      query: toSql(
        sql`SELECT DISTINCT partition FROM system.parts
            WHERE database = currentDatabase() AND table = ${storedTable(table, this.options.topology)} AND active`,
      ),
      format: 'JSONEachRow',
    });
    const partitions = (await result.json<{ partition: string }>()).map((row) => row.partition);
    for (const partition of droppablePartitions(partitions, cutoff)) {
      await this.options.clickhouse.command({
        query: toSql(
          sql`ALTER TABLE ${alterTarget(table, this.options.topology)} DROP PARTITION ${Number(partition)}`,
        ),
      });
      this.options.logger.log(`Dropped ${table}'s rows of ${partition}: older than every plan keeps`);
    }
  }

  private async deleteRows(
    { table, timeColumn }: RetainedTable,
    cutoff: number,
    retention: KnownRetention,
    now: number,
  ): Promise<void> {
    if (await this.mutationsRunning(table)) {
      this.options.logger.log(`An earlier retention deletion of ${table} is still running; none more now`);
      return;
    }
    const ages = await this.projectsOlderThan(table, timeColumn, cutoff);
    await this.learnRetention(
      ages.map((age) => age.projectId),
      retention,
    );
    for (const deletion of retentionDeletions(ages, retention.days, now, CHUNK)) {
      await this.options.clickhouse.command({
        query: toSql(
          sql`ALTER TABLE ${alterTarget(table, this.options.topology)} DELETE
              WHERE has(${deletion.projectIds}, project_id) AND ${identifier(timeColumn)} < ${new Date(deletion.cutoff)}`,
        ),
      });
      this.options.logger.log(
        `Deleting ${table}'s rows before ${new Date(deletion.cutoff).toISOString()} of ${deletion.projectIds.length} project(s)`,
      );
    }
  }

  private async mutationsRunning(table: string): Promise<boolean> {
    const result = await this.options.clickhouse.query({
      query: toSql(
        sql`SELECT count() AS n FROM system.mutations
            WHERE database = currentDatabase() AND table = ${storedTable(table, this.options.topology)} AND is_done = 0`,
      ),
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ n: string }>();
    return Number(row?.n ?? 0) > 0;
  }

  private async projectsOlderThan(table: string, timeColumn: string, cutoff: number): Promise<ProjectAge[]> {
    const result = await this.options.clickhouse.query({
      query: toSql(
        sql`SELECT project_id, toUnixTimestamp(min(${identifier(timeColumn)})) AS oldest FROM ${identifier(table)}
            WHERE ${identifier(timeColumn)} < ${new Date(cutoff)} GROUP BY project_id`,
      ),
      format: 'JSONEachRow',
    });
    return (await result.json<{ project_id: string; oldest: string | number }>()).map((row) => ({
      projectId: row.project_id,
      oldest: Number(row.oldest) * 1000,
    }));
  }

  /** Asks tenancy once per pass for each project's retention; unknown (deleted) projects stay absent. */
  private async learnRetention(projectIds: string[], retention: KnownRetention): Promise<void> {
    const unasked = projectIds.filter((projectId) => !retention.asked.has(projectId));
    for (const projectId of unasked) retention.asked.add(projectId);
    for (let i = 0; i < unasked.length; i += CHUNK) {
      const { items } = await this.options.bus.send(TenancySubjects.projectRetention, {
        projectIds: unasked.slice(i, i + CHUNK),
      });
      for (const item of items) retention.days.set(item.projectId, item.retentionDays);
    }
  }
}
