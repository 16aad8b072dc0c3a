import { createClickHouse, type ClickHouseConnection } from './clickhouse-client';
import { clusterMigrations, clusterStatements, type ClusterSchema } from './cluster-schema';
import { identifier, sql, toSql } from './sql';

export interface ClickHouseMigration {
  /** Unique and sortable: `20261122000000_create_events`. */
  name: string;
  /** Statements run in order; ClickHouse has no transactions, so each should be idempotent (IF NOT EXISTS). */
  statements: string[];
}

const TABLE = 'schema_migrations';

const MIGRATIONS_TABLE: ClusterSchema = {
  baseline: 'schema_migrations',
  tables: [
    {
      name: TABLE,
      columns: 'name String, applied_at DateTime',
      engine: 'MergeTree()',
      orderBy: 'name',
      shardBy: 'cityHash64(name)',
    },
  ],
};

/**
 * Creates the database if needed and applies pending migrations, recording each in
 * `schema_migrations`. Same role as MikroORM's migrator for PostgreSQL, run by the same migrate step.
 * On a cluster (`connection.cluster`) the service's cluster schema is applied instead, ON CLUSTER, and
 * the record of what was applied is itself replicated, so the step may run against any replica.
 */
export async function migrateClickHouse(
  connection: ClickHouseConnection,
  migrations: ClickHouseMigration[],
  clusterSchema?: ClusterSchema,
  laterClusterMigrations: readonly ClickHouseMigration[] = [],
): Promise<string[]> {
  const { cluster, database } = connection;
  if (cluster && !clusterSchema)
    throw new Error('This service has no cluster schema for its ClickHouse tables');
  const server = createClickHouse(connection, null);
  try {
    await server.command({
      query:
        toSql(sql`CREATE DATABASE IF NOT EXISTS ${identifier(database)}`) +
        (cluster ? ` ON CLUSTER ${toSql(identifier(cluster))}` : ''),
    });
  } finally {
    await server.close();
  }
  const client = createClickHouse(connection);
  try {
    const ownTable = cluster
      ? clusterStatements(MIGRATIONS_TABLE, cluster, database)
      : [
          `CREATE TABLE IF NOT EXISTS ${TABLE} (name String, applied_at DateTime) ENGINE = MergeTree() ORDER BY name`,
        ];
    for (const statement of ownTable) await client.command({ query: statement });
    if (cluster && clusterSchema)
      migrations = clusterMigrations(clusterSchema, cluster, database, laterClusterMigrations);
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
