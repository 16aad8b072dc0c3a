import { IdentitySubjects } from '@northstar/contracts';
import { migratePostgres } from '@northstar/persistence';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { IdentityConfig } from './config';
import { IDENTITY_SCHEMA, identityEntities, IdentityModule } from './identity.module';
import { identityMigrations } from './migrations';

export const identityService: ServiceDefinition<IdentityConfig> = {
  name: 'identity',
  configClass: IdentityConfig,
  module: (config) => IdentityModule.forConfig(config),
  subjects: Object.values(IdentitySubjects),
  migrate: async (config) => {
    await migratePostgres({
      url: config.DATABASE_URL,
      schema: IDENTITY_SCHEMA,
      entities: identityEntities,
      migrations: identityMigrations,
    });
  },
};
