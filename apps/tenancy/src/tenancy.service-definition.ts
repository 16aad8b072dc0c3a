import { TenancySubjects } from '@northstar/contracts';
import { migratePostgres } from '@northstar/persistence';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { TenancyConfig } from './config';
import { tenancyMigrations } from './migrations';
import { TENANCY_SCHEMA, tenancyEntities, TenancyModule } from './tenancy.module';

export const tenancyService: ServiceDefinition<TenancyConfig> = {
  name: 'tenancy',
  configClass: TenancyConfig,
  module: (config) => TenancyModule.forConfig(config),
  subjects: Object.values(TenancySubjects),
  migrate: async (config) => {
    await migratePostgres({
      url: config.DATABASE_URL,
      schema: TENANCY_SCHEMA,
      entities: tenancyEntities,
      migrations: tenancyMigrations,
    });
  },
};
