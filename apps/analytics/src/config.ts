import { ServiceConfig, WithClickHouse, WithPostgres } from '@northstar/config';
import { Type } from 'class-transformer';
import { IsInt, IsUrl, Max, Min, ValidateIf } from 'class-validator';

export class AnalyticsConfig extends WithClickHouse(WithPostgres(ServiceConfig)) {
  override OPS_PORT = 3106;

  /**
   * Prometheus scraping the RPC edge (`rpc_requests_total{key_id, chain, method, status}`). Empty:
   * key usage has no per-method RPC section.
   */
  @ValidateIf((config: AnalyticsConfig) => config.PROMETHEUS_URL !== '')
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  PROMETHEUS_URL = '';

  /**
   * Longest an analytics query may run in ClickHouse (whole seconds; it stops the query) before the
   * caller gets a 422 asking for a narrower range. Keep it under the gateway's BUS_TIMEOUT_MS, or a
   * heavy query ends as a 503 instead.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  ANALYTICS_QUERY_BUDGET_MS = 4000;

  /**
   * Queries of one project that run at once in this process; the others wait their turn (within their
   * budget), so one tenant's heavy dashboard cannot take every ClickHouse core from the others.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  ANALYTICS_MAX_QUERIES_PER_PROJECT = 4;

  /**
   * How often the roll-up job looks for closed hours and days to roll (again, after late events);
   * 0 turns it off in this replica (queries then read raw events for periods not rolled).
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  ANALYTICS_ROLLUP_INTERVAL_MS = 10_000;

  /**
   * Seconds a period must go without writes before it is rolled: longer than any insert takes to
   * commit, so the roll-up's read sees every write it is stamped as having seen.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  ANALYTICS_ROLLUP_SETTLE_SECONDS = 10;

  /**
   * Seconds a period already rolled must go without writes before it is rolled again. Meanwhile
   * queries read it from raw events (exact, a little slower), so a period receiving a trickle of late
   * events is not rolled anew (and its old rows kept) every few seconds.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  ANALYTICS_ROLLUP_REROLL_SECONDS = 600;

  /**
   * How often what analytics derives from events (the roll-ups, the funnel index, the RPC usage) is
   * deleted past the organisation's plan retention, as ingestion deletes the events; 0 turns it off in
   * this replica.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(7 * 86_400_000)
  ANALYTICS_RETENTION_INTERVAL_MS = 3_600_000;

  /** The longest range an analytics query may span (400 naming `from` beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3660)
  ANALYTICS_MAX_RANGE_DAYS = 400;
}
