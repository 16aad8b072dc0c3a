import { IdentitySubjects } from '@northstar/contracts';
import { connectNats, migrateDomainEventStreams } from '@northstar/messaging';
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
    // The domain event streams are the bus's, not one service's; identity, first of their publishers
    // to migrate, keeps their settings (replicas) in step with NATS_STREAM_REPLICAS.
    const connection = await connectNats(config.NATS_URL, 'identity', {
      credentials: { user: config.NATS_USER, password: config.NATS_PASSWORD },
    });
    try {
      await migrateDomainEventStreams(await connection.jetstreamManager(), config.NATS_STREAM_REPLICAS);
    } finally {
      await connection.close();
    }
  },
};
