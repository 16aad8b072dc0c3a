import { ServiceConfig, WithClickHouse } from '@northstar/config';
import { IsUrl, ValidateIf } from 'class-validator';

export class AnalyticsConfig extends WithClickHouse(ServiceConfig) {
  override OPS_PORT = 3106;

  /**
   * Prometheus scraping the RPC edge (`rpc_requests_total{key_id, chain, method, status}`). Empty:
   * key usage has no per-method RPC section.
   */
  @ValidateIf((config: AnalyticsConfig) => config.PROMETHEUS_URL !== '')
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  PROMETHEUS_URL = '';
}
