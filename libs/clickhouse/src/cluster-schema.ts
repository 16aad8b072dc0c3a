import type { ClickHouseMigration } from './migrate';
import { identifier, sql, type SqlFragment } from './sql';

/**
 * A table as it stands at the end of a service's migrations, declared once for a ClickHouse cluster.
 * On a cluster every table is two: `<name>_local`, replicated on each replica of each shard, and
 * `<name>`, a Distributed table over them, so that every query and insert of the services keeps its
 * table names; only mutations and partition drops name the local table (see ClickHouseTopology).
 */
export interface ClusterTable {
  name: string;
  /** The column list, the same text the single-server migration uses. */
  columns: string;
  /** `MergeTree()` or `ReplacingMergeTree(<version column>?)`: made Replicated on the cluster. */
  engine: string;
  partitionBy?: string;
  orderBy: string;
  settings?: string;
  /**
   * Which shard a row goes to. Every table is sharded by project: a project's rows live on one shard,
   * so FINAL, de-duplication by id and exact distinct counts stay correct per project.
   */
  shardBy?: string;
}

/** A materialized view fed by inserts into a local table, writing into another local table. */
export interface ClusterView {
  name: string;
  /** The table it reads the inserts of (its local table on the cluster). */
  from: string;
  /** The table it writes into (its local table on the cluster). */
  to: string;
  /** The SELECT, given the table to read from. */
  select: (source: string) => string;
}

export interface ClusterSchema {
  /** Names the baseline migration (the schema the single-server migrations reach at that name). */
  baseline: string;
  tables: readonly ClusterTable[];
  views?: readonly ClusterView[];
}

const SHARD_BY_PROJECT = 'cityHash64(project_id)';

/** The Replicated form of an engine, its data under a ZooKeeper path unique per database and table. */
export function replicatedEngine(engine: string, database: string, localTable: string): string {
  const match = /^(MergeTree|ReplacingMergeTree)\((.*)\)$/.exec(engine.trim());
  if (!match) throw new Error(`No replicated form for the engine ${engine} of ${localTable}`);
  const [, family, args] = match;
  const path = `'/clickhouse/tables/{shard}/${database}/${localTable}'`;
  return `Replicated${family}(${[path, "'{replica}'", ...(args?.trim() ? [args.trim()] : [])].join(', ')})`;
}

/**
 * The statements that make a schema on a cluster, every one ON CLUSTER and idempotent: the local
 * tables, the Distributed tables over them, then the views between local tables (a view fires on the
 * replica an insert reaches; replication carries its output to the other replicas).
 */
export function clusterStatements(schema: ClusterSchema, cluster: string, database: string): string[] {
  // Both come from configuration and are written into the statements: identifiers only.
  identifier(cluster);
  identifier(database);
  // Every name qualified: a statement ON CLUSTER runs on each server in its default database.
  const name = (table: string) => `${database}.${table}`;
  const statements: string[] = [];
  for (const table of schema.tables) {
    const local = `${table.name}_local`;
    statements.push(
      [
        `CREATE TABLE IF NOT EXISTS ${name(local)} ON CLUSTER ${cluster} (${table.columns})`,
        `ENGINE = ${replicatedEngine(table.engine, database, local)}`,
        ...(table.partitionBy ? [`PARTITION BY ${table.partitionBy}`] : []),
        `ORDER BY ${table.orderBy}`,
        ...(table.settings ? [`SETTINGS ${table.settings}`] : []),
      ].join('\n'),
      `CREATE TABLE IF NOT EXISTS ${name(table.name)} ON CLUSTER ${cluster} AS ${name(local)}
       ENGINE = Distributed(${cluster}, ${database}, ${local}, ${table.shardBy ?? SHARD_BY_PROJECT})`,
    );
  }
  for (const view of schema.views ?? []) {
    statements.push(
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${name(view.name)} ON CLUSTER ${cluster}
       TO ${name(`${view.to}_local`)} AS ${view.select(name(`${view.from}_local`))}`,
    );
  }
  return statements;
}

/** The cluster's migrations of a service: its baseline schema, then any migrations written for it since. */
export function clusterMigrations(
  schema: ClusterSchema,
  cluster: string,
  database: string,
  later: readonly ClickHouseMigration[] = [],
): ClickHouseMigration[] {
  return [{ name: schema.baseline, statements: clusterStatements(schema, cluster, database) }, ...later];
}

/** Where a service's tables are: one server, or the local tables of a cluster under Distributed ones. */
export interface ClickHouseTopology {
  database: string;
  cluster: string | null;
}

/**
 * What an `ALTER TABLE` (a mutation, a partition drop) names: the table itself on a single server; on
 * a cluster its local table on every replica of every shard (a Distributed table takes no mutation).
 */
export function alterTarget(table: string, topology: ClickHouseTopology): SqlFragment {
  if (!topology.cluster) return identifier(table);
  return sql`${identifier(topology.database)}.${identifier(`${table}_local`)} ON CLUSTER ${identifier(topology.cluster)}`;
}

/** What a query of `system.parts` or `system.mutations` names for a table: its local table on a cluster. */
export function storedTable(table: string, topology: ClickHouseTopology): string {
  return topology.cluster ? `${table}_local` : table;
}
