import { createClickHouse, type ClickHouseConnection } from './clickhouse-client';
import { identifier, sql, toSql } from './sql';

export interface ClickHouseMigration {
  /** Unique and sortable: `20261122000000_create_events`. */
  name: string;
  /** Statements run in order; ClickHouse has no transactions, so each should be idempotent (IF NOT EXISTS). */
  statements: string[];
}

const TABLE = 'schema_migrations';

/**
 * Creates the database if needed and applies pending migrations, recording each in
 * `schema_migrations`. Same role as MikroORM's migrator for PostgreSQL, run by the same migrate step.
 */
export async function migrateClickHouse(
  connection: ClickHouseConnection,
  migrations: ClickHouseMigration[],
): Promise<string[]> {
  const server = createClickHouse(connection, null);
  try {
    await server.command({
      query: toSql(sql`CREATE DATABASE IF NOT EXISTS ${identifier(connection.database)}`),
    });
  } finally {
    await server.close();
  }
  const client = createClickHouse(connection);
  try {
    await client.command({
      query: `CREATE TABLE IF NOT EXISTS ${TABLE} (name String, applied_at DateTime) ENGINE = MergeTree() ORDER BY name`,
    });
    const result = await client.query({ query: `SELECT name FROM ${TABLE}`, format: 'JSONEachRow' });
    const applied = new Set((await result.json<{ name: string }>()).map((row) => row.name));
    const done: string[] = [];
    for (const migration of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
      if (applied.has(migration.name)) continue;
      for (const statement of migration.statements) await client.command({ query: statement });
      await client.insert({
        table: TABLE,
        values: [{ name: migration.name, applied_at: Math.floor(Date.now() / 1000) }],
        format: 'JSONEachRow',
      });
      done.push(migration.name);
    }
    return done;
  } finally {
    await client.close();
  }
}
