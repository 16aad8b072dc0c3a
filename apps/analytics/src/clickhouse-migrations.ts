import type { ClickHouseMigration, ClusterSchema } from '@northstar/clickhouse';

// The columns of each table, shared by its migration and the cluster schema below.
const HOUR_WRITES_COLUMNS = `
        project_id String,
        hour DateTime('UTC'),
        last_write DateTime('UTC')
`;

const ROLLUP_COUNTS_COLUMNS = `
        project_id String,
        grain Enum8('hour' = 1, 'day' = 2),
        period DateTime('UTC'),
        version UInt64,
        type Enum8('track' = 1, 'page' = 2, 'screen' = 3, 'identify' = 4, 'group' = 5, 'alias' = 6,
                   'transaction' = 7, 'wallet' = 8),
        event String,
        chain_id UInt64,
        tx_failed UInt8,
        events UInt64
`;

const ROLLUP_PEOPLE_COLUMNS = `
        project_id String,
        grain Enum8('hour' = 1, 'day' = 2),
        period DateTime('UTC'),
        version UInt64,
        users AggregateFunction(uniqCombinedIf(14), String, UInt8),
        sessions AggregateFunction(uniqCombinedIf(14), String, UInt8),
        wallets AggregateFunction(uniqCombinedIf(14), String, UInt8)
`;

const ROLLUP_TOP_COLUMNS = `
        project_id String,
        dimension Enum8('event' = 1, 'page' = 2, 'referrer' = 3, 'country' = 4, 'browser' = 5, 'os' = 6,
                        'chain' = 7, 'contract' = 8, 'method' = 9),
        grain Enum8('hour' = 1, 'day' = 2),
        bucket Date,
        period DateTime('UTC'),
        version UInt64,
        value String,
        events UInt64,
        users AggregateFunction(uniqCombinedIf(14), String, UInt8)
`;

const ROLLUP_STATE_COLUMNS = `
        project_id String,
        grain Enum8('hour' = 1, 'day' = 2),
        period DateTime('UTC'),
        version UInt64
`;

const FUNNEL_EVENTS_COLUMNS = `
        project_id String,
        event String,
        timestamp DateTime('UTC'),
        person UInt64
`;

const RPC_USAGE_COLUMNS = `
        batch_id String,
        project_id String,
        key_id String,
        hour DateTime('UTC'),
        chain String,
        method String,
        code String,
        requests UInt64
`;

/** What the hour_writes view takes of each insert into `source`. */
const hourWritesOf = (source: string) => `
      SELECT project_id, toStartOfHour(timestamp) AS hour, now() AS last_write
      FROM ${source} GROUP BY project_id, hour`;

/** What the funnel_events view takes of each insert into `source`. */
const funnelEventsOf = (source: string) => `
      SELECT project_id, event, timestamp, cityHash64(if(user_id != '', user_id, anonymous_id)) AS person
      FROM ${source} WHERE event != '' AND (user_id != '' OR anonymous_id != '')`;

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
  {
    name: '20261205000000_analytics_rollups',
    statements: [
      // The exact-set roll-up cost as much to merge as the raw events it summarised. It is replaced by
      // the tables below, filled by the roll-up job (src/rollup) from de-duplicated raw events.
      `DROP TABLE IF EXISTS events_hourly_mv`,
      `DROP TABLE IF EXISTS events_hourly`,
      // When each project's hour was last written to: the roll-up job's work list, and how a query
      // knows whether an hour's roll-up is still current (rolled after the hour's last write). Fed on
      // every insert into events, late and redelivered ones included, with the server's clock at the
      // insert (not events.inserted_at: JSONEachRow inserts on 18.16 leave it 0 rather than its default).
      `CREATE TABLE IF NOT EXISTS hour_writes (${HOUR_WRITES_COLUMNS})
      ENGINE = ReplacingMergeTree(last_write)
      ORDER BY (project_id, hour)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS hour_writes_mv TO hour_writes AS ${hourWritesOf('events')}`,
      `INSERT INTO hour_writes
      SELECT project_id, toStartOfHour(timestamp) AS hour, now() FROM events
      GROUP BY project_id, hour`,
      // A roll-up of one project's UTC hour or day, computed at once from its de-duplicated events and
      // stamped with a version; a period rolled again (a late event) gets rows of a new version, and
      // readers take only the version rollup_state names. Plain MergeTree: nothing is merged away, so
      // the rows a version points to cannot vanish under a reader.
      `CREATE TABLE IF NOT EXISTS rollup_counts (${ROLLUP_COUNTS_COLUMNS})
      ENGINE = MergeTree()
      PARTITION BY toYYYYMM(period)
      ORDER BY (project_id, grain, period, version, type, event, chain_id, tx_failed)`,
      // Distinct people, sessions and wallets of the period as mergeable sketches (uniqCombined with
      // 2^14 cells: exact for small sets, about 0.8% standard error beyond, at most 10 KB a state).
      `CREATE TABLE IF NOT EXISTS rollup_people (${ROLLUP_PEOPLE_COLUMNS})
      ENGINE = MergeTree()
      PARTITION BY toYYYYMM(period)
      ORDER BY (project_id, grain, period, version)`,
      // Events and distinct people per value of each top dimension. Within a project and dimension, rows
      // are grouped by a bucket (the month of a day row, the day of an hour row) and then by value, so
      // the people of a top list's few values are a few small granules away, not every row of the range.
      `CREATE TABLE IF NOT EXISTS rollup_top (${ROLLUP_TOP_COLUMNS})
      ENGINE = MergeTree()
      PARTITION BY toYYYYMM(period)
      ORDER BY (project_id, dimension, grain, bucket, value, period, version)
      SETTINGS index_granularity = 256`,
      // The version of each rolled period: the seconds of the snapshot it read (a write at or after
      // them makes the period stale) times 10^6, plus a random part so that two roll-up jobs running
      // at once never share a version.
      `CREATE TABLE IF NOT EXISTS rollup_state (${ROLLUP_STATE_COLUMNS})
      ENGINE = MergeTree()
      PARTITION BY toYYYYMM(period)
      ORDER BY (project_id, grain, period)`,
      // Funnels read only what windowFunnel needs: the named events of people, by event then time, the
      // person as a 64-bit hash (no string compared per row). A redelivered duplicate changes no
      // funnel level, so the view feeds it directly.
      `CREATE TABLE IF NOT EXISTS funnel_events (${FUNNEL_EVENTS_COLUMNS})
      ENGINE = MergeTree()
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (project_id, event, timestamp)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS funnel_events_mv TO funnel_events AS ${funnelEventsOf('events')}`,
      `INSERT INTO funnel_events
      SELECT project_id, event, timestamp, cityHash64(if(user_id != '', user_id, anonymous_id))
      FROM events WHERE event != '' AND (user_id != '' OR anonymous_id != '')`,
    ],
  },
  {
    name: '20261206000000_analytics_rpc_usage',
    statements: [
      // Key verifications by RPC proxies (POST /v1/keys/verify), counted per hour by the gateways and
      // written in batches. A batch the gateway sends again after a lost reply carries the same
      // batch_id and rows: ReplacingMergeTree folds them into one, and readers use FINAL until then.
      `CREATE TABLE IF NOT EXISTS rpc_usage (${RPC_USAGE_COLUMNS})
      ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(hour)
      ORDER BY (project_id, key_id, hour, chain, method, code, batch_id)`,
    ],
  },
];

/**
 * The same tables on a ClickHouse cluster (CLICKHOUSE_CLUSTER), as the migrations above leave them,
 * made at once; every table sharded by project like the events, so a view writes its rows on the
 * shard of the events it read. A migration added above that changes a table adds its cluster form to
 * the list given with this schema (analytics.service-definition.ts); a test compares the two.
 */
export const analyticsClusterSchema: ClusterSchema = {
  baseline: '20261207000000_analytics_cluster',
  tables: [
    {
      name: 'hour_writes',
      columns: HOUR_WRITES_COLUMNS,
      engine: 'ReplacingMergeTree(last_write)',
      orderBy: '(project_id, hour)',
    },
    {
      name: 'rollup_counts',
      columns: ROLLUP_COUNTS_COLUMNS,
      engine: 'MergeTree()',
      partitionBy: 'toYYYYMM(period)',
      orderBy: '(project_id, grain, period, version, type, event, chain_id, tx_failed)',
    },
    {
      name: 'rollup_people',
      columns: ROLLUP_PEOPLE_COLUMNS,
      engine: 'MergeTree()',
      partitionBy: 'toYYYYMM(period)',
      orderBy: '(project_id, grain, period, version)',
    },
    {
      name: 'rollup_top',
      columns: ROLLUP_TOP_COLUMNS,
      engine: 'MergeTree()',
      partitionBy: 'toYYYYMM(period)',
      orderBy: '(project_id, dimension, grain, bucket, value, period, version)',
      settings: 'index_granularity = 256',
    },
    {
      name: 'rollup_state',
      columns: ROLLUP_STATE_COLUMNS,
      engine: 'MergeTree()',
      partitionBy: 'toYYYYMM(period)',
      orderBy: '(project_id, grain, period)',
    },
    {
      name: 'funnel_events',
      columns: FUNNEL_EVENTS_COLUMNS,
      engine: 'MergeTree()',
      partitionBy: 'toYYYYMM(timestamp)',
      orderBy: '(project_id, event, timestamp)',
    },
    {
      name: 'rpc_usage',
      columns: RPC_USAGE_COLUMNS,
      engine: 'ReplacingMergeTree()',
      partitionBy: 'toYYYYMM(hour)',
      orderBy: '(project_id, key_id, hour, chain, method, code, batch_id)',
    },
  ],
  views: [
    { name: 'hour_writes_mv', from: 'events', to: 'hour_writes', select: hourWritesOf },
    { name: 'funnel_events_mv', from: 'events', to: 'funnel_events', select: funnelEventsOf },
  ],
};
