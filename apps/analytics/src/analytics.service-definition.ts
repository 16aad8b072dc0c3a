import { clickHouseConnectionFrom, migrateClickHouse } from '@northstar/clickhouse';
import { AnalyticsSubjects, DashboardsSubjects } from '@northstar/contracts';
import { migratePostgres } from '@northstar/persistence';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { ANALYTICS_SCHEMA, analyticsEntities, AnalyticsModule } from './analytics.module';
import { analyticsClusterSchema, analyticsMigrations } from './clickhouse-migrations';
import { AnalyticsConfig } from './config';
import { analyticsPostgresMigrations } from './migrations';

export const analyticsService: ServiceDefinition<AnalyticsConfig> = {
  name: 'analytics',
  configClass: AnalyticsConfig,
  module: (config) => AnalyticsModule.forConfig(config),
  subjects: [...Object.values(AnalyticsSubjects), ...Object.values(DashboardsSubjects)],
  // After ingestion's migrations (deploy/build/run.mjs migrates ingestion first): the roll-up reads its events table.
  migrate: async (config) => {
    await migrateClickHouse(clickHouseConnectionFrom(config), analyticsMigrations, analyticsClusterSchema);
    await migratePostgres({
      url: config.DATABASE_URL,
      schema: ANALYTICS_SCHEMA,
      entities: analyticsEntities,
      migrations: analyticsPostgresMigrations,
    });
  },
};
