import type { ClickHouseMigration, ClusterSchema } from '@northstar/clickhouse';

/** The columns of `events`, as the first migration made them (the second only re-sorted the rows). */
const EVENTS_COLUMNS = `
        project_id String,
        event_id UUID,
        message_id String,
        type Enum8('track' = 1, 'page' = 2, 'screen' = 3, 'identify' = 4, 'group' = 5, 'alias' = 6,
                   'transaction' = 7, 'wallet' = 8),
        event String,
        name String,
        user_id String,
        anonymous_id String,
        group_id String,
        previous_id String,
        session_id String,
        timestamp DateTime('UTC'),
        timestamp_ms UInt16,
        received_at DateTime('UTC'),
        sent_at Nullable(DateTime('UTC')),
        page_url String,
        page_host String,
        page_path String,
        page_referrer String,
        page_referrer_host String,
        page_title String,
        page_search String,
        campaign_name String,
        campaign_source String,
        campaign_medium String,
        campaign_term String,
        campaign_content String,
        locale String,
        library_name String,
        library_version String,
        user_agent String,
        browser String,
        browser_version String,
        os String,
        os_version String,
        device_type String,
        device_vendor String,
        device_model String,
        country String,
        chain_id UInt64,
        wallet_address String,
        tx_hash String,
        contract_address String,
        method String,
        value String,
        tx_status String,
        properties Nested(key String, value String),
        traits Nested(key String, value String),
        raw String,
        inserted_at DateTime('UTC') DEFAULT now()
`;

const METRICS_COLUMNS = `
        project_id String,
        name String,
        timestamp DateTime('UTC'),
        timestamp_ms UInt16,
        metric_id String,
        value Float64,
        tags Nested(key String, value String),
        received_at DateTime('UTC'),
        inserted_at DateTime('UTC') DEFAULT now()
`;

const DELETED_PROJECTS_COLUMNS = `project_id String, deleted_at DateTime('UTC')`;

/** ClickHouse migrations of the event store, owned by ingestion; appended in order, never edited. */
export const eventStoreMigrations: ClickHouseMigration[] = [
  {
    name: '20261123000000_create_events',
    statements: [
      // One row per accepted event. ReplacingMergeTree on a key that ends with the server's event_id:
      // an event written twice (redelivered after a crash between insert and ack) collapses in
      // merges, and queries count `uniq(event_id)` or read with FINAL so it counts once before that.
      // The key starts with the project and the day: a project's time range is a contiguous slice.
      // Times are UTC DateTime plus a milliseconds column (no DateTime64 on 18.16); monthly partitions
      // make retention a DROP PARTITION.
      `CREATE TABLE IF NOT EXISTS events (${EVENTS_COLUMNS})
      ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (project_id, toDate(timestamp), event_id)
      SETTINGS index_granularity = 8192`,
      // Deleted projects: ingestion drops events still queued for them instead of writing them back.
      `CREATE TABLE IF NOT EXISTS deleted_projects (${DELETED_PROJECTS_COLUMNS})
      ENGINE = ReplacingMergeTree()
      ORDER BY project_id`,
    ],
  },
  {
    name: '20261205000000_events_ordered_by_time',
    statements: [
      // The same table sorted by time within a day: a query for part of a day (the partial hours at the
      // edges of an analytics range, the newest events, a page of them by id) reads the granules of
      // that part, not the whole day's. Duplicates still share the whole key (same timestamp, same id),
      // so ReplacingMergeTree still collapses them. Migrations run before any service writes; a run cut
      // short is redone from the first statement: events_by_id exists only after the swap, when events
      // already holds everything.
      `DROP TABLE IF EXISTS events_by_time`,
      `DROP TABLE IF EXISTS events_by_id`,
      `CREATE TABLE events_by_time AS events
      ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (project_id, toDate(timestamp), timestamp, event_id)
      SETTINGS index_granularity = 8192`,
      `INSERT INTO events_by_time SELECT * FROM events`,
      // Materialized views on events follow the name (18.16 keys them by table name), so they feed on
      // the new table's inserts from here on.
      `RENAME TABLE events TO events_by_id, events_by_time TO events`,
      `DROP TABLE events_by_id`,
    ],
  },
  {
    name: '20261207010000_create_metrics',
    statements: [
      // Custom metric points (POST /v1/metrics), one row each. ReplacingMergeTree whose key ends with
      // the point's id: a message redelivered after a crash between insert and ack, or a point the
      // client sent again with its id and timestamp, collapses in merges, and queries read with FINAL
      // so it counts once before that. The key starts with the project and the name, then the day and
      // the time: one series over a range is a contiguous slice. Tags as Nested (no Map on 18.16),
      // milliseconds in their own column (no DateTime64), monthly partitions for retention.
      `CREATE TABLE IF NOT EXISTS metrics (${METRICS_COLUMNS})
      ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (project_id, name, toDate(timestamp), timestamp, metric_id)
      SETTINGS index_granularity = 8192`,
    ],
  },
];

/**
 * The same event store on a ClickHouse cluster (CLICKHOUSE_CLUSTER): the tables as the migrations
 * above leave them, made at once. A migration added above that changes a table adds its cluster form
 * to the list given with this schema (ingestion.service-definition.ts); a test compares the two.
 */
export const eventStoreClusterSchema: ClusterSchema = {
  baseline: '20261207000000_event_store_cluster',
  tables: [
    {
      name: 'events',
      columns: EVENTS_COLUMNS,
      engine: 'ReplacingMergeTree()',
      partitionBy: 'toYYYYMM(timestamp)',
      orderBy: '(project_id, toDate(timestamp), timestamp, event_id)',
      settings: 'index_granularity = 8192',
    },
    {
      name: 'metrics',
      columns: METRICS_COLUMNS,
      engine: 'ReplacingMergeTree()',
      partitionBy: 'toYYYYMM(timestamp)',
      orderBy: '(project_id, name, toDate(timestamp), timestamp, metric_id)',
      settings: 'index_granularity = 8192',
    },
    {
      name: 'deleted_projects',
      columns: DELETED_PROJECTS_COLUMNS,
      engine: 'ReplacingMergeTree()',
      orderBy: 'project_id',
    },
  ],
};
