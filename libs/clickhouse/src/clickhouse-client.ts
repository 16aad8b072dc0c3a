import { createClient, type ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseConnection {
  url: string;
  database: string;
  username: string;
  password: string;
  /**
   * The cluster (a `remote_servers` name) when ClickHouse runs as one, or empty: the tables are then
   * replicated local tables under Distributed ones (see cluster-schema.ts).
   */
  cluster?: string;
}

export function createClickHouse(
  connection: ClickHouseConnection,
  database: string | null = connection.database,
) {
  return createClient({
    url: connection.url,
    username: connection.username,
    password: connection.password,
    ...(database ? { database } : {}),
    request_timeout: 30_000,
    // A socket idle past the server's keep-alive (3 s by default) is closed by the server; reused
    // after a busy event loop held it too long, it fails the request with "socket hang up".
    keep_alive: { eagerly_destroy_stale_sockets: true },
    compression: { request: false, response: false },
    // On a cluster an insert into a Distributed table answers once the shard has the rows, not when
    // they are queued on this server for sending: ingestion acknowledges events after the insert.
    ...(connection.cluster ? { clickhouse_settings: { insert_distributed_sync: 1 } } : {}),
  });
}

export type { ClickHouseClient };

/** Reads the connection from a config class that has the ClickHouse settings. */
export function clickHouseConnectionFrom(config: {
  CLICKHOUSE_URL: string;
  CLICKHOUSE_DATABASE: string;
  CLICKHOUSE_USER: string;
  CLICKHOUSE_PASSWORD: string;
  CLICKHOUSE_CLUSTER?: string;
}): ClickHouseConnection {
  return {
    url: config.CLICKHOUSE_URL,
    database: config.CLICKHOUSE_DATABASE,
    username: config.CLICKHOUSE_USER,
    password: config.CLICKHOUSE_PASSWORD,
    ...(config.CLICKHOUSE_CLUSTER ? { cluster: config.CLICKHOUSE_CLUSTER } : {}),
  };
}
