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
import { REDIS } from '@northstar/redis';
import { ClickHouseRetention } from '@northstar/retention';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { IngestionConfig } from '../config';

const LOCK_KEY = 'ingestion:retention:lock';

/**
 * Deletes events and custom metric points older than their organisation's plan keeps them, every
 * INGEST_RETENTION_INTERVAL_MS, on one ingestion replica at a time (a Redis lock). Analytics does the same for what it derives from
 * events.
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly retention: ClickHouseRetention;

  constructor(
    config: IngestionConfig,
    bus: BusClient,
    @Inject(CLICKHOUSE) clickhouse: ClickHouseClient,
    @Inject(CLICKHOUSE_TOPOLOGY) topology: ClickHouseTopology,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.retention = new ClickHouseRetention({
      // Custom metric points go with the events: same key, same months, the same plan's retention.
      tables: [
        { table: 'events', timeColumn: 'timestamp' },
        { table: 'metrics', timeColumn: 'timestamp' },
      ],
      intervalMs: config.INGEST_RETENTION_INTERVAL_MS,
      clickhouse,
      topology,
      bus,
      lock: (holdMs) => this.lock(holdMs),
      logger: new Logger(EventRetention.name),
    });
  }

  onApplicationBootstrap(): void {
    this.retention.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.retention.stop();
  }

  /** One pass now, unless another replica holds the lock; errors are logged, the next pass tries again. */
  run(): Promise<void> {
    return this.retention.run();
  }

  private async lock(holdMs: number): Promise<(() => Promise<void>) | null> {
    const owner = randomUUID();
    if ((await this.redis.set(LOCK_KEY, owner, 'PX', holdMs, 'NX')) !== 'OK') return null;
    // Only our own lock: a pass that outlived it must not free another replica's.
    return async () => {
      if ((await this.redis.get(LOCK_KEY)) === owner) await this.redis.del(LOCK_KEY);
    };
  }
}
