import { clickHouseConnectionFrom, migrateClickHouse } from '@northstar/clickhouse';
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
  },
};
