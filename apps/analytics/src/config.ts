import { ServiceConfig, WithClickHouse } from '@northstar/config';

export class AnalyticsConfig extends WithClickHouse(ServiceConfig) {
  override OPS_PORT = 3106;
}
