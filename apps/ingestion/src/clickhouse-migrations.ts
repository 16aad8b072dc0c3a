import type { ClickHouseMigration } from '@northstar/clickhouse';

/** ClickHouse migrations of the event store, owned by ingestion; appended in order, never edited. */
export const eventStoreMigrations: ClickHouseMigration[] = [];
