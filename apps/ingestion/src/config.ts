import { ServiceConfig, WithClickHouse } from '@northstar/config';

export class IngestionConfig extends WithClickHouse(ServiceConfig) {
  override OPS_PORT = 3105;
}
