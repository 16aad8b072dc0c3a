import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE, identifier, sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import type { RecordRpcUsageRequest, RpcUsage, TimeseriesInterval } from '@northstar/contracts';
import { BUCKET_FUNCTIONS } from '../query/event-query';

interface Row {
  chain: string;
  method: string;
  code: string;
  requests: string | number;
}

/** Key verifications by RPC proxies in ClickHouse (`rpc_usage`), beside the product events. */
@Injectable()
export class RpcUsageRepository {
  constructor(@Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient) {}

  /** One insert per batch: the gateways already summed each hour's verifications in memory. */
  async record(request: RecordRpcUsageRequest): Promise<number> {
    if (request.entries.length === 0) return 0;
    await this.clickhouse.insert({
      table: 'rpc_usage',
      format: 'JSONEachRow',
      values: request.entries.map((entry) => ({
        batch_id: request.batchId,
        project_id: entry.projectId,
        key_id: entry.keyId,
        hour: Math.floor(Date.parse(entry.hour) / 1000),
        chain: entry.chain ?? '',
        method: entry.method ?? '',
        code: entry.code,
        requests: entry.requests,
      })),
    });
    return request.entries.length;
  }

  /**
   * The project's verifications in [from, to) per bucket (epoch ms of its start in `timeZone`); hours
   * are UTC hour starts, so hour and day buckets are exact in zones on whole hours.
   */
  async series(
    projectId: string,
    from: Date,
    to: Date,
    interval: Exclude<TimeseriesInterval, 'minute'>,
    timeZone: string,
  ): Promise<Map<number, number>> {
    const bucket = identifier(BUCKET_FUNCTIONS[interval]);
    const query = sql`SELECT toUnixTimestamp(${bucket}(hour, ${timeZone})) AS t, sum(requests) AS value
      FROM rpc_usage FINAL
      WHERE project_id = ${projectId} AND hour >= toStartOfHour(${from}) AND hour < ${to}
      GROUP BY t ORDER BY t`;
    const result = await this.clickhouse.query({ query: toSql(query), format: 'JSONEachRow' });
    const rows = await result.json<{ t: string | number; value: string | number }>();
    return new Map(rows.map((row) => [Number(row.t) * 1000, Number(row.value)]));
  }

  /** The key's verifications in [from, to) by chain and method; null when there were none. */
  async keyUsage(projectId: string, keyId: string, from: Date, to: Date): Promise<RpcUsage | null> {
    const query = sql`SELECT chain, method, code, sum(requests) AS requests
      FROM rpc_usage FINAL
      WHERE project_id = ${projectId} AND key_id = ${keyId} AND hour >= ${from} AND hour < ${to}
      GROUP BY chain, method, code`;
    const result = await this.clickhouse.query({ query: toSql(query), format: 'JSONEachRow' });
    const rows = await result.json<Row>();
    if (rows.length === 0) return null;
    const byChain = new Map<string, number>();
    const byMethod = new Map<string, { chain: string; method: string; count: number }>();
    let total = 0;
    let failed = 0;
    for (const row of rows) {
      const count = Number(row.requests);
      total += count;
      if (row.code !== 'VALID') failed += count;
      byChain.set(row.chain, (byChain.get(row.chain) ?? 0) + count);
      const id = `${row.chain}\n${row.method}`;
      const entry = byMethod.get(id) ?? { chain: row.chain, method: row.method, count: 0 };
      entry.count += count;
      byMethod.set(id, entry);
    }
    return {
      source: 'verifications',
      total,
      failed,
      byChain: [...byChain]
        .map(([chain, count]) => ({ chain, count }))
        .sort((a, b) => b.count - a.count || a.chain.localeCompare(b.chain)),
      byMethod: [...byMethod.values()].sort(
        (a, b) => b.count - a.count || a.chain.localeCompare(b.chain) || a.method.localeCompare(b.method),
      ),
    };
  }
}
