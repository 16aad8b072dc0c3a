import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  CLICKHOUSE,
  CLICKHOUSE_TOPOLOGY,
  type ClickHouseClient,
  type ClickHouseTopology,
} from '@northstar/clickhouse';
import { BusClient } from '@northstar/messaging';
import { ClickHouseRetention } from '@northstar/retention';
import { AnalyticsConfig } from '../config';

/**
 * Deletes what analytics derives from events past the organisation's plan retention, as ingestion
 * deletes the events themselves: the funnel index holds a hash of each person with their events'
 * names and times, which must not outlive the events. The roll-ups' work list goes first, so that the
 * roll-up job does not roll an old period again between two deletions.
 */
@Injectable()
export class DerivedDataRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly retention: ClickHouseRetention;

  constructor(
    config: AnalyticsConfig,
    bus: BusClient,
    @Inject(CLICKHOUSE) clickhouse: ClickHouseClient,
    @Inject(CLICKHOUSE_TOPOLOGY) topology: ClickHouseTopology,
  ) {
    this.retention = new ClickHouseRetention({
      tables: [
        { table: 'hour_writes', timeColumn: 'hour' },
        { table: 'rollup_state', timeColumn: 'period' },
        { table: 'rollup_counts', timeColumn: 'period' },
        { table: 'rollup_people', timeColumn: 'period' },
        { table: 'rollup_top', timeColumn: 'period' },
        { table: 'funnel_events', timeColumn: 'timestamp' },
        { table: 'rpc_usage', timeColumn: 'hour' },
      ],
      intervalMs: config.ANALYTICS_RETENTION_INTERVAL_MS,
      clickhouse,
      topology,
      bus,
      logger: new Logger(DerivedDataRetention.name),
    });
  }

  onApplicationBootstrap(): void {
    this.retention.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.retention.stop();
  }

  /** One pass now; errors are logged, the next pass tries again. */
  run(): Promise<void> {
    return this.retention.run();
  }
}
