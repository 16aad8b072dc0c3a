import { ServiceConfig } from '@northstar/config';

export class KeysConfig extends ServiceConfig {
  override OPS_PORT = 3103;
}
