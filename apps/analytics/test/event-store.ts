import { createClickHouse, type ClickHouseClient } from '@northstar/clickhouse';
import { testEnv } from '@northstar/testing';
import { randomUUID } from 'node:crypto';

// The events table as ingestion's migration creates it. Analytics may not import ingestion (apps
// never import apps), so its tests create the same table when it is missing; when ingestion's
// migration ran first, IF NOT EXISTS keeps its table. Same columns and engine, so either order works.
const EVENTS_DDL = `CREATE TABLE IF NOT EXISTS events (
  project_id String, event_id UUID, message_id String,
  type Enum8('track' = 1, 'page' = 2, 'screen' = 3, 'identify' = 4, 'group' = 5, 'alias' = 6,
             'transaction' = 7, 'wallet' = 8),
  event String, name String, user_id String, anonymous_id String, group_id String, previous_id String,
  session_id String, timestamp DateTime('UTC'), timestamp_ms UInt16, received_at DateTime('UTC'),
  sent_at Nullable(DateTime('UTC')), page_url String, page_host String, page_path String,
  page_referrer String, page_referrer_host String, page_title String, page_search String,
  campaign_name String, campaign_source String, campaign_medium String, campaign_term String,
  campaign_content String, locale String, library_name String, library_version String,
  user_agent String, browser String, browser_version String, os String, os_version String,
  device_type String, device_vendor String, device_model String, country String, chain_id UInt64,
  wallet_address String, tx_hash String, contract_address String, method String, value String,
  tx_status String, properties Nested(key String, value String), traits Nested(key String, value String),
  raw String, inserted_at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, toDate(timestamp), timestamp, event_id)
SETTINGS index_granularity = 8192`;

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
  const client = createClickHouse({
    url: env['CLICKHOUSE_URL'] ?? '',
    database: env['CLICKHOUSE_DATABASE'] ?? '',
    username: env['CLICKHOUSE_USER'] ?? '',
    password: env['CLICKHOUSE_PASSWORD'] ?? '',
  });
  await client.command({ query: EVENTS_DDL });
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
