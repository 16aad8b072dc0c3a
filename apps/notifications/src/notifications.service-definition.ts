import type { ServiceDefinition } from '@northstar/service-runtime';
import { NotificationsConfig } from './config';
import { NotificationsModule } from './notifications.module';

export const notificationsService: ServiceDefinition<NotificationsConfig> = {
  name: 'notifications',
  configClass: NotificationsConfig,
  module: (config) => NotificationsModule.forConfig(config),
  // Its input is durable events (email/email.handler.ts), not requests.
  subjects: [],
};
