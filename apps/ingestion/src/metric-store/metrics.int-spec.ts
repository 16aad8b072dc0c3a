import { createClickHouse, sql, toSql, type ClickHouseClient, type SqlFragment } from '@northstar/clickhouse';
import {
  DeadLetterHeaders,
  METRICS_DLQ_STREAM,
  METRICS_STREAM,
  metricsDeadLetterSubject,
  metricsSubject,
  TenancyEvents,
  type MetricEnvelope,
} from '@northstar/contracts';
import { intakeMetrics } from '@northstar/event-intake';
import { MetricStreamPublisher } from '@northstar/event-stream';
import type { RunningService } from '@northstar/service-runtime';
import {
  connectTestBus,
  eventually,
  readMetric,
  startTestService,
  testEnv,
  testEventPublisher,
  type TestBus,
} from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import type { JsMsg } from 'nats';
import { ingestionService } from '../ingestion.service-definition';

// Custom metrics through ingestion against the real JetStream and ClickHouse: points are checked and
// published as the gateway does (metric intake, then the METRICS publisher) and looked for in ClickHouse.
const WAIT = { timeoutMs: 20_000, intervalMs: 100 };

let service: RunningService;
let client: TestBus;
let publisher: MetricStreamPublisher;
let clickhouse: ClickHouseClient;

beforeAll(async () => {
  service = await startTestService(ingestionService);
  client = await connectTestBus();
  publisher = await MetricStreamPublisher.connect(client.connection);
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
  await client?.close();
  await clickhouse?.close();
});

function accepted(projectId: string, metrics: Array<Record<string, unknown>>): MetricEnvelope[] {
  const result = intakeMetrics({ metrics }, { projectId, receivedAt: new Date() });
  expect(result.rejected).toEqual([]);
  return result.accepted;
}

async function query<T>(fragment: SqlFragment): Promise<T[]> {
  const result = await clickhouse.query({ query: toSql(fragment), format: 'JSONEachRow' });
  return result.json<T>();
}

interface Row {
  name: string;
  metric_id: string;
  value: number;
  ts: string;
  timestamp_ms: number;
  tag_keys: string[];
  tag_values: string[];
}

/** The project's points as analytics reads them (FINAL: each id once), by time. */
const finalRows = (projectId: string) =>
  query<Row>(
    sql`SELECT name, metric_id, value, toString(timestamp) AS ts, timestamp_ms,
          tags.key AS tag_keys, tags.value AS tag_values
        FROM metrics FINAL WHERE project_id = ${projectId} ORDER BY timestamp, metric_id`,
  );

const rawCount = async (projectId: string) =>
  Number(
    (await query<{ n: string }>(sql`SELECT count() AS n FROM metrics WHERE project_id = ${projectId}`))[0].n,
  );

async function deadLetters(projectId: string): Promise<JsMsg[]> {
  const subject = metricsDeadLetterSubject(projectId);
  const jsm = await client.connection.jetstreamManager();
  const info = await jsm.streams.info(METRICS_DLQ_STREAM, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  if (count === 0) return [];
  const consumer = await client.connection
    .jetstream()
    .consumers.get(METRICS_DLQ_STREAM, { filterSubjects: subject });
  const out: JsMsg[] = [];
  for await (const message of await consumer.fetch({ max_messages: count, expires: 2000 })) {
    out.push(message);
    if (out.length === count) break;
  }
  return out;
}

describe('writing custom metrics to ClickHouse', () => {
  it('writes each point with its name, value, time (milliseconds too) and tags', async () => {
    const projectId = randomUUID();
    await publisher.publish(
      accepted(projectId, [
        {
          name: 'queue.depth',
          value: 12.5,
          timestamp: '2026-11-20T10:00:00.250Z',
          tags: { region: 'eu' },
          id: 'a',
        },
        { name: 'jobs:done', value: -3, timestamp: Date.UTC(2026, 10, 20, 10, 0, 1), id: 'b' },
      ]),
    );
    const rows = await eventually(async () => {
      const found = await finalRows(projectId);
      expect(found).toHaveLength(2);
      return found;
    }, WAIT);
    expect(rows).toEqual([
      {
        name: 'queue.depth',
        metric_id: 'a',
        value: 12.5,
        ts: '2026-11-20 10:00:00',
        timestamp_ms: 250,
        tag_keys: ['region'],
        tag_values: ['eu'],
      },
      {
        name: 'jobs:done',
        metric_id: 'b',
        value: -3,
        ts: '2026-11-20 10:00:01',
        timestamp_ms: 0,
        tag_keys: [],
        tag_values: [],
      },
    ]);
  });

  it('stores a point sent again with its id once: JetStream drops a resent batch, ClickHouse collapses the rest', async () => {
    const projectId = randomUUID();
    const points = [
      { name: 'queue.depth', value: 1, timestamp: '2026-11-20T11:00:00Z', id: 'same-1' },
      { name: 'queue.depth', value: 2, timestamp: '2026-11-20T11:00:01Z', id: 'same-2' },
    ];
    expect(await publisher.publish(accepted(projectId, points))).toEqual({ stored: 2, duplicates: 0 });
    // The same batch again (a client retrying after a lost 202): a duplicate for JetStream.
    expect(await publisher.publish(accepted(projectId, points))).toEqual({ stored: 0, duplicates: 2 });
    // One of them in another batch: stored by JetStream, written again, collapsed by its id.
    await publisher.publish(accepted(projectId, [points[0], { ...points[1], id: 'new-3' }]));
    // A message delivered twice (ingestion crashed between insert and ack): the same envelopes again.
    const [envelope] = accepted(projectId, [
      { name: 'queue.depth', value: 4, timestamp: '2026-11-20T11:00:03Z' },
    ]);
    const js = client.connection.jetstream();
    for (const copy of ['x', 'y']) {
      await js.publish(metricsSubject(projectId), JSON.stringify([envelope]), {
        msgID: `${projectId}/redelivered-${copy}`,
        expect: { streamName: METRICS_STREAM },
      });
    }
    await eventually(async () => expect(await rawCount(projectId)).toBe(6), WAIT);
    expect((await finalRows(projectId)).map((row) => [row.metric_id, row.value])).toEqual([
      ['same-1', 1],
      ['new-3', 2],
      ['same-2', 2],
      [envelope.id, 4],
    ]);
  });

  it('dead-letters an invalid point of a message alone and writes the others', async () => {
    const projectId = randomUUID();
    const [good] = accepted(projectId, [{ name: 'ok', value: 1, timestamp: '2026-11-20T12:00:00Z' }]);
    const bad = { ...good, id: 'bad', value: 'NaN' };
    await client.connection.jetstream().publish(metricsSubject(projectId), JSON.stringify([bad, good]), {
      expect: { streamName: METRICS_STREAM },
    });
    await eventually(async () => expect(await finalRows(projectId)).toHaveLength(1), WAIT);
    const [letter] = await eventually(async () => {
      const letters = await deadLetters(projectId);
      expect(letters).toHaveLength(1);
      return letters;
    }, WAIT);
    expect(letter.headers?.get(DeadLetterHeaders.originalIndex)).toBe('0');
    expect(letter.headers?.get(DeadLetterHeaders.reason)).toMatch(/value must be a finite number/);
    expect(JSON.parse(new TextDecoder().decode(letter.data))).toMatchObject({ id: 'bad' });
  });

  it("deletes a deleted project's points and drops its late ones", async () => {
    const [doomed, kept] = [randomUUID(), randomUUID()];
    await publisher.publish(accepted(doomed, [{ name: 'gone', value: 1 }]));
    await publisher.publish(accepted(kept, [{ name: 'stays', value: 1 }]));
    await eventually(async () => expect(await rawCount(doomed)).toBe(1), WAIT);
    await eventually(async () => expect(await rawCount(kept)).toBe(1), WAIT);
    await testEventPublisher(client.connection, 'ingestion-test').publish(TenancyEvents.projectDeleted, {
      projectId: doomed,
      orgId: randomUUID(),
      deletedAt: new Date().toISOString(),
    });
    // A mutation: ClickHouse applies it in the background.
    await eventually(async () => expect(await rawCount(doomed)).toBe(0), WAIT);
    const dropped = () => readMetric(service.opsUrl, 'northstar_ingestion_metric_points_dropped_total');
    const before = await dropped();
    await publisher.publish(accepted(doomed, [{ name: 'late', value: 1 }]));
    await eventually(async () => expect(await dropped()).toBe(before + 1), WAIT);
    expect(await rawCount(doomed)).toBe(0);
    expect(await rawCount(kept)).toBe(1);
  });
});
