import { ServiceConfig } from '@northstar/config';

export class IdentityConfig extends ServiceConfig {
  override OPS_PORT = 3101;
}
