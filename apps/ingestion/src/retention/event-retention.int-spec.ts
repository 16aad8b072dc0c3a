import { createClickHouse, sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { intakeBatch } from '@northstar/event-intake';
import { EventStreamPublisher } from '@northstar/event-stream';
import type { RunningService } from '@northstar/service-runtime';
import {
  connectTestBus,
  eventually,
  startTestService,
  STAND_IN_PLAN,
  TenancyStandIn,
  testEnv,
  type TestBus,
} from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { ingestionService } from '../ingestion.service-definition';
import { EventRetention } from './event-retention';

// Retention against the real ClickHouse: events of a project on a 30-day plan older than 30 days go,
// its newer ones stay; a project on a 365-day plan keeps what its plan keeps; a project tenancy does not
// know (deleted) is left to the deletion of projects.

const DAY = 86_400_000;
const WAIT = { timeoutMs: 30_000, intervalMs: 250 };

let service: RunningService;
let client: TestBus;
let tenancy: TenancyStandIn;
let publisher: EventStreamPublisher;
let clickhouse: ClickHouseClient;

beforeAll(async () => {
  client = await connectTestBus();
  tenancy = new TenancyStandIn(client.connection);
  await tenancy.start();
  // No timer: the test runs the pass itself.
  service = await startTestService(ingestionService, { INGEST_RETENTION_INTERVAL_MS: '0' });
  publisher = await EventStreamPublisher.connect(client.connection);
  const env = testEnv();
  clickhouse = createClickHouse({
    url: env['CLICKHOUSE_URL'] as string,
    database: env['CLICKHOUSE_DATABASE'] as string,
    username: env['CLICKHOUSE_USER'] as string,
    password: env['CLICKHOUSE_PASSWORD'] ?? '',
  });
});

afterAll(async () => {
  await service?.close();
  tenancy?.stop();
  await client?.close();
  await clickhouse?.close();
});

/** Events of the project dated `daysAgo` days back (each a name saying its age). */
async function sendAged(projectId: string, daysAgo: number[]): Promise<void> {
  const now = Date.now();
  const { accepted, rejected } = intakeBatch(
    {
      batch: daysAgo.map((days) => ({
        type: 'track',
        event: `${days} days ago`,
        userId: 'retention-user',
        messageId: randomUUID(),
        timestamp: new Date(now - days * DAY).toISOString(),
      })),
    },
    { projectId, receivedAt: new Date(now) },
  );
  expect(rejected).toEqual([]);
  await publisher.publish(accepted);
}

async function eventsOf(projectId: string): Promise<string[]> {
  const result = await clickhouse.query({
    query: toSql(sql`SELECT DISTINCT event FROM events WHERE project_id = ${projectId} ORDER BY event`),
    format: 'JSONEachRow',
  });
  return (await result.json<{ event: string }>()).map((row) => row.event);
}

/** Custom metric points of the project dated `daysAgo` days back, written as ingestion writes them. */
async function pointsAged(projectId: string, daysAgo: number[]): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await clickhouse.insert({
    table: 'metrics',
    format: 'JSONEachRow',
    values: daysAgo.map((days) => ({
      project_id: projectId,
      name: `${days} days ago`,
      timestamp: now - days * 86_400,
      timestamp_ms: 0,
      metric_id: randomUUID(),
      value: days,
      'tags.key': [],
      'tags.value': [],
      received_at: now,
    })),
  });
}

async function metricsOf(projectId: string): Promise<string[]> {
  const result = await clickhouse.query({
    query: toSql(sql`SELECT DISTINCT name FROM metrics WHERE project_id = ${projectId} ORDER BY name`),
    format: 'JSONEachRow',
  });
  return (await result.json<{ name: string }>()).map((row) => row.name);
}

it('deletes the events and metric points older than each project keeps, and nothing else', async () => {
  const short = tenancy.organisation(randomUUID());
  tenancy.setPlan(short, { ...STAND_IN_PLAN, id: 'retention-30', retentionDays: 30 });
  const long = tenancy.organisation(randomUUID());
  tenancy.setPlan(long, { ...STAND_IN_PLAN, id: 'retention-365', retentionDays: 365 });
  const unknown = randomUUID();

  await sendAged(short.projectId, [1, 29, 31, 200]);
  await sendAged(long.projectId, [1, 31, 200, 400]);
  await sendAged(unknown, [1, 400]);
  await pointsAged(short.projectId, [1, 31]);
  await eventually(async () => {
    expect(await eventsOf(short.projectId)).toHaveLength(4);
    expect(await eventsOf(long.projectId)).toHaveLength(4);
    expect(await eventsOf(unknown)).toHaveLength(2);
  }, WAIT);

  await service.app.get(EventRetention).run();

  // ClickHouse applies the deletions in the background.
  await eventually(async () => {
    expect(await eventsOf(short.projectId)).toEqual(['1 days ago', '29 days ago']);
    expect(await eventsOf(long.projectId)).toEqual(['1 days ago', '200 days ago', '31 days ago']);
    expect(await metricsOf(short.projectId)).toEqual(['1 days ago']);
  }, WAIT);
  expect(await eventsOf(unknown)).toEqual(['1 days ago', '400 days ago']);
}, 90_000);
