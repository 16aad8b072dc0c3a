import { runService } from '@northstar/service-runtime';
import { notificationsService } from './notifications.service-definition';

runService(notificationsService);
