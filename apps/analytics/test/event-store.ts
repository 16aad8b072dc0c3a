import { createClickHouse, migrateClickHouse, type ClickHouseClient } from '@northstar/clickhouse';
import { testEnv } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { eventStoreMigrations } from './neighbours';

/** A stored event as a test describes it; what it leaves out is empty, as ingestion stores absent fields. */
export interface TestEvent {
  eventId?: string;
  type?: 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias' | 'transaction' | 'wallet';
  event?: string;
  userId?: string;
  anonymousId?: string;
  sessionId?: string;
  at: string;
  pagePath?: string;
  referrerHost?: string;
  country?: string;
  browser?: string;
  os?: string;
  chainId?: number;
  wallet?: string;
  contract?: string;
  method?: string;
  txStatus?: string;
  properties?: Record<string, string>;
}

export interface EventStore {
  client: ClickHouseClient;
  /** Writes the events of a project as rows of the events table; returns their event ids. */
  write(projectId: string, events: TestEvent[]): Promise<string[]>;
  close(): Promise<void>;
}

export async function openEventStore(): Promise<EventStore> {
  const env = testEnv();
  const connection = {
    url: env['CLICKHOUSE_URL'] ?? '',
    database: env['CLICKHOUSE_DATABASE'] ?? '',
    username: env['CLICKHOUSE_USER'] ?? '',
    password: env['CLICKHOUSE_PASSWORD'] ?? '',
  };
  // The events table is ingestion's: its own migrations make it, so the tests read the real shape.
  await migrateClickHouse(connection, eventStoreMigrations);
  const client = createClickHouse(connection);
  return {
    client,
    write: async (projectId, events) => {
      const rows = events.map((event) => {
        const at = new Date(event.at);
        const ms = at.getTime();
        return {
          project_id: projectId,
          event_id: event.eventId ?? randomUUID(),
          message_id: randomUUID(),
          type: event.type ?? 'track',
          event: event.event ?? '',
          user_id: event.userId ?? '',
          anonymous_id: event.anonymousId ?? '',
          session_id: event.sessionId ?? '',
          timestamp: Math.floor(ms / 1000),
          timestamp_ms: ms % 1000,
          received_at: Math.floor(ms / 1000),
          page_path: event.pagePath ?? '',
          page_referrer_host: event.referrerHost ?? '',
          country: event.country ?? '',
          browser: event.browser ?? '',
          os: event.os ?? '',
          chain_id: event.chainId ?? 0,
          wallet_address: event.wallet ?? '',
          contract_address: event.contract ?? '',
          method: event.method ?? '',
          tx_status: event.txStatus ?? '',
          'properties.key': Object.keys(event.properties ?? {}),
          'properties.value': Object.values(event.properties ?? {}),
        };
      });
      await client.insert({ table: 'events', values: rows, format: 'JSONEachRow' });
      return rows.map((row) => row.event_id);
    },
    close: () => client.close(),
  };
}
