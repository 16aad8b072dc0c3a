import { ServiceConfig } from '@northstar/config';

export class TenancyConfig extends ServiceConfig {
  override OPS_PORT = 3102;
}
