import {
  clickHouseConnectionFrom,
  createClickHouse,
  identifier,
  migrateClickHouse,
  sql,
  toSql,
  type ClickHouseClient,
} from '@northstar/clickhouse';
import { loadConfig } from '@northstar/config';
import { intakeBatch } from '@northstar/event-intake';
import { testEnv } from '@northstar/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { eventStoreMigrations } from '../clickhouse-migrations';
import { IngestionConfig } from '../config';
import { UNKNOWN_USER_AGENT } from '../enrichment/user-agent';
import { toEventRow, type EventRow } from './event-row';
import { EventStoreRepository } from './event-store.repository';

// The repository against the real ClickHouse: what it does when the server refuses some rows. In a
// throwaway database: the test writes into a hundred monthly partitions, which must not be left in
// the shared test database (a query with FINAL on 18.16 opens every part).
const base = clickHouseConnectionFrom(loadConfig(IngestionConfig, testEnv()));
const connection = { ...base, database: `${base.database}_events_${randomBytes(4).toString('hex')}` };
let clickhouse: ClickHouseClient;
let repository: EventStoreRepository;

beforeAll(async () => {
  await migrateClickHouse(connection, eventStoreMigrations);
  clickhouse = createClickHouse(connection);
  repository = new EventStoreRepository(clickhouse, { database: connection.database, cluster: null });
});

afterAll(async () => {
  await clickhouse?.command({
    query: toSql(sql`DROP DATABASE IF EXISTS ${identifier(connection.database)}`),
  });
  await clickhouse?.close();
});

function rows(projectId: string, timestamps: string[]): EventRow[] {
  const batch = timestamps.map((timestamp, i) => ({ type: 'track', event: `e${i}`, userId: 'u', timestamp }));
  const { accepted } = intakeBatch({ batch }, { projectId, receivedAt: new Date() });
  return accepted.map((envelope) =>
    toEventRow(envelope, { sessionId: '', userAgent: UNKNOWN_USER_AGENT, country: '' }),
  );
}

async function storedEvents(projectId: string): Promise<string[]> {
  const result = await clickhouse.query({
    query: toSql(sql`SELECT event FROM events WHERE project_id = ${projectId} ORDER BY event`),
    format: 'JSONEachRow',
  });
  return (await result.json<{ event: string }>()).map((row) => row.event);
}

describe('EventStoreRepository.insert', () => {
  it('writes the good rows of a batch and names the ones ClickHouse refuses', async () => {
    const projectId = randomUUID();
    const batch = rows(
      projectId,
      Array.from({ length: 7 }, () => new Date().toISOString()),
    );
    batch[2] = { ...batch[2], event_id: 'not-a-uuid' };
    batch[5] = { ...batch[5], event_id: 'neither' };

    const unwritable = await repository.insert(batch);
    expect(unwritable.map((row) => row.index)).toEqual([2, 5]);
    expect(unwritable[0].reason).toMatch(/Code: 27/);
    expect(await storedEvents(projectId)).toEqual(['e0', 'e1', 'e3', 'e4', 'e6']);
  });

  it('writes a batch spanning more months than one insert may touch', async () => {
    const projectId = randomUUID();
    const months = Array.from({ length: 120 }, (_, i) => new Date(Date.UTC(2010, i, 15)).toISOString());
    expect(await repository.insert(rows(projectId, months))).toEqual([]);
    expect(await storedEvents(projectId)).toHaveLength(120);
  });

  it('throws, rather than dropping rows, when the server cannot be reached', async () => {
    const unreachable = createClickHouse({ ...connection, url: 'http://127.0.0.1:1' });
    try {
      await expect(
        new EventStoreRepository(unreachable, { database: 'unreachable', cluster: null }).insert(
          rows(randomUUID(), [new Date().toISOString()]),
        ),
      ).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await unreachable.close();
    }
  });
});
