import { clickHouseConnectionFrom, migrateClickHouse } from '@northstar/clickhouse';
import { ensureEventStreams, DEFAULT_EVENT_STREAM_SETTINGS } from '@northstar/event-stream';
import { connectNats } from '@northstar/messaging';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { eventStoreMigrations } from './clickhouse-migrations';
import { IngestionConfig } from './config';
import { IngestionModule } from './ingestion.module';

export const ingestionService: ServiceDefinition<IngestionConfig> = {
  name: 'ingestion',
  configClass: IngestionConfig,
  module: (config) => IngestionModule.forConfig(config),
  subjects: [],
  migrate: async (config) => {
    await migrateClickHouse(clickHouseConnectionFrom(config), eventStoreMigrations);
    // The streams are infrastructure of the event store: their limits follow this service's config.
    const connection = await connectNats(config.NATS_URL, 'ingestion-migrate');
    try {
      await ensureEventStreams(
        await connection.jetstreamManager(),
        {
          ...DEFAULT_EVENT_STREAM_SETTINGS,
          maxAgeMs: config.EVENTS_STREAM_MAX_AGE_HOURS * 3600 * 1000,
          maxBytes: config.EVENTS_STREAM_MAX_BYTES,
          replicas: config.EVENTS_STREAM_REPLICAS,
        },
        { update: true },
      );
    } finally {
      await connection.close();
    }
  },
};
