import { clickHouseConnectionFrom, migrateClickHouse } from '@northstar/clickhouse';
import { AnalyticsSubjects } from '@northstar/contracts';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { AnalyticsModule } from './analytics.module';
import { analyticsMigrations } from './clickhouse-migrations';
import { AnalyticsConfig } from './config';

export const analyticsService: ServiceDefinition<AnalyticsConfig> = {
  name: 'analytics',
  configClass: AnalyticsConfig,
  module: (config) => AnalyticsModule.forConfig(config),
  subjects: Object.values(AnalyticsSubjects),
  // After ingestion's migrations (deploy/build/run.mjs migrates ingestion first): the roll-up reads its events table.
  migrate: async (config) => {
    await migrateClickHouse(clickHouseConnectionFrom(config), analyticsMigrations);
  },
};
