import type { ClickHouseMigration } from '@northstar/clickhouse';

/**
 * ClickHouse migrations of analytics, recorded in the same `schema_migrations` table as ingestion's
 * (names start with `analytics_`, so the two lists never collide) and run after them: the roll-up
 * reads ingestion's events table. Appended in order, never edited.
 */
export const analyticsMigrations: ClickHouseMigration[] = [
  {
    name: '20261126000000_analytics_events_hourly',
    statements: [
      // The roll-up of closed periods: one row per project, hour, event, type, chain and failed flag,
      // holding *exact* distinct-set states rather than counts. Merging states is a set union, so an
      // event written twice (a redelivery before ClickHouse merged it away) or re-inserted by the
      // backfill below still counts once, and a late event for an old hour simply adds its id to that
      // hour's set: no invalidation, no double counting, no rescans of raw events for closed hours.
      `CREATE TABLE IF NOT EXISTS events_hourly (
        project_id String,
        hour DateTime('UTC'),
        event String,
        type Enum8('track' = 1, 'page' = 2, 'screen' = 3, 'identify' = 4, 'group' = 5, 'alias' = 6,
                   'transaction' = 7, 'wallet' = 8),
        chain_id UInt64,
        tx_failed UInt8,
        events AggregateFunction(uniqExact, UUID),
        users AggregateFunction(uniqExactIf, String, UInt8),
        sessions AggregateFunction(uniqExactIf, String, UInt8),
        wallets AggregateFunction(uniqExactIf, String, UInt8)
      )
      ENGINE = AggregatingMergeTree()
      PARTITION BY toYYYYMM(hour)
      ORDER BY (project_id, hour, type, event, chain_id, tx_failed)`,
      // Runs on every insert into events (late ones included), in the inserting statement.
      `CREATE MATERIALIZED VIEW IF NOT EXISTS events_hourly_mv TO events_hourly AS
      SELECT project_id, toStartOfHour(timestamp) AS hour, event, type, chain_id,
        toUInt8(type = 'transaction' AND tx_status = 'failed') AS tx_failed,
        uniqExactState(event_id) AS events,
        uniqExactIfState(if(user_id != '', user_id, anonymous_id),
                         toUInt8(if(user_id != '', user_id, anonymous_id) != '')) AS users,
        uniqExactIfState(session_id, toUInt8(session_id != '')) AS sessions,
        uniqExactIfState(wallet_address, toUInt8(wallet_address != '')) AS wallets
      FROM events
      GROUP BY project_id, hour, event, type, chain_id, tx_failed`,
      // Events stored before the view existed. Events inserted meanwhile are in both, which the
      // set states absorb.
      `INSERT INTO events_hourly
      SELECT project_id, toStartOfHour(timestamp) AS hour, event, type, chain_id,
        toUInt8(type = 'transaction' AND tx_status = 'failed') AS tx_failed,
        uniqExactState(event_id),
        uniqExactIfState(if(user_id != '', user_id, anonymous_id),
                         toUInt8(if(user_id != '', user_id, anonymous_id) != '')),
        uniqExactIfState(session_id, toUInt8(session_id != '')),
        uniqExactIfState(wallet_address, toUInt8(wallet_address != ''))
      FROM events
      GROUP BY project_id, hour, event, type, chain_id, tx_failed`,
    ],
  },
];
