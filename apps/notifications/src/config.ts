import { ServiceConfig } from '@northstar/config';

export class NotificationsConfig extends ServiceConfig {
  override OPS_PORT = 3107;
}
