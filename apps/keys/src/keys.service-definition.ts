import { KeysSubjects } from '@northstar/contracts';
import { migratePostgres } from '@northstar/persistence';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { KeysConfig } from './config';
import { KEYS_SCHEMA, keysEntities, KeysModule } from './keys.module';
import { keysMigrations } from './migrations';

export const keysService: ServiceDefinition<KeysConfig> = {
  name: 'keys',
  configClass: KeysConfig,
  module: (config) => KeysModule.forConfig(config),
  subjects: Object.values(KeysSubjects),
  migrate: async (config) => {
    await migratePostgres({
      url: config.DATABASE_URL,
      schema: KEYS_SCHEMA,
      entities: keysEntities,
      migrations: keysMigrations,
    });
  },
};
