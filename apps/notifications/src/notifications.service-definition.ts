import type { ServiceDefinition } from '@northstar/service-runtime';
import { NotificationsConfig } from './config';
import { NotificationsModule } from './notifications.module';

export const notificationsService: ServiceDefinition<NotificationsConfig> = {
  name: 'notifications',
  configClass: NotificationsConfig,
  module: () => NotificationsModule,
  subjects: [],
};
