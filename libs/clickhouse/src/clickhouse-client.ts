import { createClient, type ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseConnection {
  url: string;
  database: string;
  username: string;
  password: string;
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
  });
}

export type { ClickHouseClient };

/** Reads the connection from a config class that has the ClickHouse settings. */
export function clickHouseConnectionFrom(config: {
  CLICKHOUSE_URL: string;
  CLICKHOUSE_DATABASE: string;
  CLICKHOUSE_USER: string;
  CLICKHOUSE_PASSWORD: string;
}): ClickHouseConnection {
  return {
    url: config.CLICKHOUSE_URL,
    database: config.CLICKHOUSE_DATABASE,
    username: config.CLICKHOUSE_USER,
    password: config.CLICKHOUSE_PASSWORD,
  };
}
