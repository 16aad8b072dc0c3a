import { ChainsSubjects } from '@northstar/contracts';
import { migratePostgres } from '@northstar/persistence';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { seedChains } from './chain/chain.seed';
import { CHAINS_SCHEMA, chainsEntities, ChainsModule } from './chains.module';
import { ChainsConfig } from './config';
import { chainsMigrations } from './migrations';

export const chainsService: ServiceDefinition<ChainsConfig> = {
  name: 'chains',
  configClass: ChainsConfig,
  module: (config) => ChainsModule.forConfig(config),
  subjects: Object.values(ChainsSubjects),
  migrate: async (config) => {
    await migratePostgres(
      {
        url: config.DATABASE_URL,
        schema: CHAINS_SCHEMA,
        entities: chainsEntities,
        migrations: chainsMigrations,
      },
      async (em) => {
        await seedChains(em);
      },
    );
  },
};
