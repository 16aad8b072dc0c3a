import { Logger } from '@nestjs/common';
import { clickHouseConnectionFrom, migrateClickHouse } from '@northstar/clickhouse';
import { ensureEventStreams, ensureMetricStreams, eventStreamSettingsFrom } from '@northstar/event-stream';
import { connectNats, migrateDomainEventStreams } from '@northstar/messaging';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { eventStoreClusterSchema, eventStoreMigrations } from './clickhouse-migrations';
import { IngestionConfig } from './config';
import { IngestionModule } from './ingestion.module';

export const ingestionService: ServiceDefinition<IngestionConfig> = {
  name: 'ingestion',
  configClass: IngestionConfig,
  module: (config) => IngestionModule.forConfig(config),
  subjects: [],
  migrate: async (config) => {
    await migrateClickHouse(clickHouseConnectionFrom(config), eventStoreMigrations, eventStoreClusterSchema);
    // The streams are infrastructure of the event store: their limits follow this service's config.
    // As the ingestion user: its permissions include managing the events streams, and the domain
    // event streams, whose replicas (NATS_STREAM_REPLICAS) this step applies too: the migrate job
    // speaks to the bus as ingestion only.
    const connection = await connectNats(config.NATS_URL, 'ingestion', {
      credentials: { user: config.NATS_USER, password: config.NATS_PASSWORD },
    });
    try {
      const jsm = await connection.jetstreamManager();
      await migrateDomainEventStreams(jsm, config.NATS_STREAM_REPLICAS);
      const migration = await ensureEventStreams(jsm, eventStreamSettingsFrom(config), { update: true });
      await ensureMetricStreams(jsm, eventStreamSettingsFrom(config), { update: true });
      if (migration === 'waiting-for-backlog') {
        // JetStream cannot change a stream's retention: the old EVENTS is made anew once it is drained.
        new Logger('ingestion').warn(
          'EVENTS was made by an older version (limits retention) and still holds events ingestion has ' +
            'not written: it keeps its old limits until ingestion has drained it; run the migrate step again then.',
        );
      }
    } finally {
      await connection.close();
    }
  },
};
