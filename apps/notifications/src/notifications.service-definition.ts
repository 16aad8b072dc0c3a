import { AlertsSubjects, InboxSubjects } from '@northstar/contracts';
import { migratePostgres } from '@northstar/persistence';
import type { ServiceDefinition } from '@northstar/service-runtime';
import { NotificationsConfig } from './config';
import { notificationsMigrations } from './migrations';
import { NOTIFICATIONS_SCHEMA, notificationsEntities, NotificationsModule } from './notifications.module';

export const notificationsService: ServiceDefinition<NotificationsConfig> = {
  name: 'notifications',
  configClass: NotificationsConfig,
  module: (config) => NotificationsModule.forConfig(config),
  // Besides these requests, transactional emails arrive as durable events (email/email.handler.ts).
  subjects: [...Object.values(InboxSubjects), ...Object.values(AlertsSubjects)],
  migrate: async (config) => {
    await migratePostgres({
      url: config.DATABASE_URL,
      schema: NOTIFICATIONS_SCHEMA,
      entities: notificationsEntities,
      migrations: notificationsMigrations,
    });
  },
};
