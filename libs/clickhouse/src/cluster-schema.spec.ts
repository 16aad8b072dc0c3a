import { alterTarget, clusterStatements, replicatedEngine, storedTable } from './cluster-schema';
import { toSql } from './sql';

describe('the cluster schema', () => {
  it('makes an engine replicated under a ZooKeeper path of its database and table', () => {
    expect(replicatedEngine('MergeTree()', 'db', 'facts_local')).toBe(
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/db/facts_local', '{replica}')",
    );
    expect(replicatedEngine('ReplacingMergeTree(version)', 'db', 'facts_local')).toBe(
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/facts_local', '{replica}', version)",
    );
    expect(() => replicatedEngine('Log', 'db', 'facts_local')).toThrow(/No replicated form/);
  });

  it('makes a local table, a Distributed one sharded by project over it, and views between local tables', () => {
    const statements = clusterStatements(
      {
        baseline: 'b',
        tables: [
          { name: 'facts', columns: 'project_id String', engine: 'MergeTree()', orderBy: 'project_id' },
        ],
        views: [
          {
            name: 'facts_mv',
            from: 'events',
            to: 'facts',
            select: (source) => `SELECT project_id FROM ${source}`,
          },
        ],
      },
      'northstar',
      'db',
    ).map((statement) => statement.replace(/\s+/g, ' '));
    expect(statements).toEqual([
      "CREATE TABLE IF NOT EXISTS db.facts_local ON CLUSTER northstar (project_id String) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db/facts_local', '{replica}') ORDER BY project_id",
      'CREATE TABLE IF NOT EXISTS db.facts ON CLUSTER northstar AS db.facts_local ENGINE = Distributed(northstar, db, facts_local, cityHash64(project_id))',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS db.facts_mv ON CLUSTER northstar TO db.facts_local AS SELECT project_id FROM db.events_local',
    ]);
  });

  it('refuses a cluster or database name that is not an identifier', () => {
    expect(() => clusterStatements({ baseline: 'b', tables: [] }, 'c; DROP', 'db')).toThrow(/identifier/);
    expect(() => clusterStatements({ baseline: 'b', tables: [] }, 'c', 'db`')).toThrow(/identifier/);
  });

  it('sends mutations to every replica of a cluster, and to the table itself on one server', () => {
    expect(toSql(alterTarget('events', { database: 'db', cluster: 'northstar' }))).toBe(
      'db.events_local ON CLUSTER northstar',
    );
    expect(toSql(alterTarget('events', { database: 'db', cluster: null }))).toBe('events');
    expect(storedTable('events', { database: 'db', cluster: 'northstar' })).toBe('events_local');
    expect(storedTable('events', { database: 'db', cluster: null })).toBe('events');
  });
});
