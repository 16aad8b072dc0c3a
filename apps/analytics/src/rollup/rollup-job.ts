import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CLICKHOUSE, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { MetricsService } from '@northstar/observability';
import { randomInt } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { AnalyticsConfig } from '../config';
import { VERSION_SCALE, type Grain } from '../query/rollup-plan';
import { dirtyPeriodsQuery, rollStatements, stateStatement, type DirtyPeriod } from './rollup-sql';

// Periods of one project and grain rolled by one set of statements.
const HOURS_PER_STATEMENT = 48;
const DAYS_PER_STATEMENT = 4;
// Periods taken per run; a full run is followed by another at once, so a backlog drains steadily.
const PERIODS_PER_RUN = 400;

export interface RollupRun {
  hours: number;
  days: number;
  /** Whether periods were left for the next run. */
  more: boolean;
}

/**
 * Rolls closed hours and UTC days of every project into the roll-up tables, and rolls them again when
 * events arrive for them later. Runs in every analytics replica: two replicas rolling the same period
 * read the same settled events and write rows under different versions, of which readers take one,
 * so no lock is needed.
 */
@Injectable()
export class RollupJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RollupJob.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RollupRun> | undefined;
  private stopped = false;
  private readonly rolled: Counter<'grain'>;
  private readonly pending: Gauge;

  constructor(
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
    private readonly config: AnalyticsConfig,
    metrics: MetricsService,
  ) {
    this.rolled = new Counter({
      name: 'northstar_analytics_rollup_periods_total',
      help: 'Hours and days of a project rolled up (again, after late events), by grain',
      labelNames: ['grain'] as const,
      registers: [metrics.registry],
    });
    this.pending = new Gauge({
      name: 'northstar_analytics_rollup_backlog',
      help: 'Whether the last roll-up run left periods for the next (1) or caught up (0)',
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.ANALYTICS_ROLLUP_INTERVAL_MS > 0) this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * One pass: the dirty periods found now, rolled. `settleSeconds` overrides both configured waits
   * after a period's last write (tests pass 0 and wait out the current second themselves).
   */
  runOnce(settleSeconds?: number): Promise<RollupRun> {
    const waits = {
      settle: settleSeconds ?? this.config.ANALYTICS_ROLLUP_SETTLE_SECONDS,
      reroll: settleSeconds ?? this.config.ANALYTICS_ROLLUP_REROLL_SECONDS,
    };
    // One run at a time in a process: a timer run and a test's run share it.
    this.running ??= this.run(waits).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runOnce().then(
        (run) => {
          this.pending.set(run.more ? 1 : 0);
          this.schedule(run.more ? 0 : this.config.ANALYTICS_ROLLUP_INTERVAL_MS);
        },
        (error: unknown) => {
          this.logger.warn(`roll-up run failed, retrying later: ${(error as Error).message}`);
          this.schedule(this.config.ANALYTICS_ROLLUP_INTERVAL_MS);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  private async run(waits: { settle: number; reroll: number }): Promise<RollupRun> {
    // ClickHouse's clock: the one that stamped the writes this compares with.
    const [{ now }] = await this.select<{ now: string | number }>('SELECT toUnixTimestamp(now()) AS now');
    const nowSeconds = Number(now);
    const settledBefore = nowSeconds - waits.settle;
    const rerollBefore = Math.min(settledBefore, nowSeconds - waits.reroll);
    const version = settledBefore * VERSION_SCALE + randomInt(VERSION_SCALE);
    const run: RollupRun = { hours: 0, days: 0, more: false };
    for (const grain of ['hour', 'day'] as Grain[]) {
      const dirty = await this.select<{ project_id: string; start: string | number }>(
        toSql(dirtyPeriodsQuery(grain, nowSeconds, { settledBefore, rerollBefore }, PERIODS_PER_RUN)),
      );
      if (dirty.length === PERIODS_PER_RUN) run.more = true;
      const periods = dirty.map((row) => ({ projectId: row.project_id, grain, start: Number(row.start) }));
      for (const chunk of chunksOf(periods, grain === 'hour' ? HOURS_PER_STATEMENT : DAYS_PER_STATEMENT)) {
        if (this.stopped) return run;
        await this.roll(chunk, version);
        if (grain === 'hour') run.hours += chunk.length;
        else run.days += chunk.length;
        this.rolled.inc({ grain }, chunk.length);
      }
    }
    return run;
  }

  private async roll(periods: DirtyPeriod[], version: number): Promise<void> {
    const { projectId, grain } = periods[0];
    const starts = periods.map((period) => period.start);
    for (const statement of rollStatements(projectId, grain, starts, version)) {
      await this.clickhouse.command({ query: toSql(statement) });
    }
    await this.clickhouse.command({ query: toSql(stateStatement(projectId, grain, starts, version)) });
  }

  private async select<T>(query: string): Promise<T[]> {
    const result = await this.clickhouse.query({ query, format: 'JSONEachRow' });
    return result.json<T>();
  }
}

/** Periods grouped by project and grain, at most `size` to a group. */
function chunksOf(periods: DirtyPeriod[], size: number): DirtyPeriod[][] {
  const byProject = new Map<string, DirtyPeriod[]>();
  for (const period of periods) {
    const list = byProject.get(period.projectId) ?? [];
    list.push(period);
    byProject.set(period.projectId, list);
  }
  const chunks: DirtyPeriod[][] = [];
  for (const list of byProject.values()) {
    for (let index = 0; index < list.length; index += size) chunks.push(list.slice(index, index + size));
  }
  return chunks;
}
