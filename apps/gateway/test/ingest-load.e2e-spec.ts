import { sql, toSql } from '@northstar/clickhouse';
import { EVENTS_STREAM } from '@northstar/contracts';
import { INGESTION_CONSUMER } from '@northstar/event-stream';
import { readMetric } from '@northstar/testing';
import { connect } from 'nats';
import { randomUUID } from 'node:crypto';
import { type Ingestion } from './fault/fault-harness';
import { useFaultStack } from './fault/fault-stack';
import { eventually } from './support';

// The pipeline under the load that once stalled it for good: saturating single events, at once
// followed by saturating batches of 100, with ingestion consuming all along; then idle. Every event
// the gateway acknowledged must reach ClickHouse, and the consumer must end with nothing pending.
// (The stall: ingestion's pulls asked for fewer bytes than the next message held, so JetStream could
// never serve them; the stream kept thousands of messages and ingestion wrote nothing more.)

jest.setTimeout(5 * 60_000);

const LOAD_SECONDS = Number(process.env['INGEST_LOAD_SECONDS'] || 12);
const BATCH_SIZE = 100;
// The load's events are dated in a month of their own, whose partition is dropped afterwards: the
// shared test database keeps no hundreds of thousands of rows for other tests to merge.
const LOAD_MONTH = Date.UTC(2001, 0, 1);
const LOAD_PARTITION = 200101;

const currentStack = useFaultStack();
let ingestion: Ingestion;

beforeAll(async () => {
  ingestion = await currentStack().startIngestion();
});

afterAll(async () => {
  await currentStack()
    .clickhouse.command({ query: toSql(sql`ALTER TABLE events DROP PARTITION ${LOAD_PARTITION}`) })
    .catch(() => undefined);
});

interface LoadResult {
  /** Events in requests answered 2xx: what the platform promised to keep. */
  acknowledged: number;
  statuses: Record<number, number>;
}

/**
 * `connections` senders, each posting as fast as it is answered for `seconds`. Only events of 2xx
 * answers count; a refused request is not retried (its events were never promised).
 */
async function load(
  path: string,
  connections: number,
  seconds: number,
  body: () => { json: unknown; events: number },
): Promise<LoadResult> {
  const { gateway, key } = currentStack();
  const result: LoadResult = { acknowledged: 0, statuses: {} };
  const until = Date.now() + seconds * 1000;
  const sender = async (): Promise<void> => {
    while (Date.now() < until) {
      const { json, events } = body();
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      await response.arrayBuffer();
      result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
      if (response.ok) result.acknowledged += events;
    }
  };
  await Promise.all(Array.from({ length: connections }, sender));
  return result;
}

const run = randomUUID();
let sequence = 0;
function event(): Record<string, unknown> {
  sequence += 1;
  return {
    type: 'track',
    event: 'Load Tested',
    messageId: `${run}-${sequence}`,
    timestamp: new Date(LOAD_MONTH + sequence).toISOString(),
    userId: `user-${sequence % 500}`,
    properties: { sequence, plan: 'pro', path: '/pricing' },
    context: { page: { path: '/pricing', url: 'https://shop.example/pricing' }, userAgent: 'Mozilla/5.0' },
  };
}

async function storedEvents(projectId: string): Promise<number> {
  const result = await currentStack().clickhouse.query({
    query: toSql(sql`SELECT uniqExact(message_id) AS n FROM events WHERE project_id = ${projectId}`),
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

it('writes every acknowledged event of saturating single events then batches, and ends with nothing pending', async () => {
  const { projectId, nats } = currentStack();

  const singles = await load('/v1/events', 100, LOAD_SECONDS, () => ({ json: event(), events: 1 }));
  const batches = await load('/v1/batch', 50, LOAD_SECONDS, () => ({
    json: { batch: Array.from({ length: BATCH_SIZE }, event) },
    events: BATCH_SIZE,
  }));
  const acknowledged = singles.acknowledged + batches.acknowledged;
  // The load must have been real: thousands of messages of both sizes.
  expect(singles.acknowledged).toBeGreaterThan(500);
  expect(batches.acknowledged).toBeGreaterThan(100 * BATCH_SIZE);

  // Every promise kept, within a minute of the load's end on this 2-core machine.
  const started = Date.now();
  await eventually(async () => expect(await storedEvents(projectId)).toBe(acknowledged), {
    timeoutMs: 90_000,
    intervalMs: 500,
  });
  console.log(
    `ingest load: ${singles.acknowledged} single and ${batches.acknowledged} batched events acknowledged ` +
      `(${JSON.stringify({ singles: singles.statuses, batches: batches.statuses })}), ` +
      `all stored ${((Date.now() - started) / 1000).toFixed(1)} s after the load`,
  );

  // Idle afterwards: the consumer has nothing pending or unacknowledged, and says it is not stalled.
  const connection = await connect({ servers: nats.url });
  try {
    const jsm = await connection.jetstreamManager();
    await eventually(
      async () => {
        const info = await jsm.consumers.info(EVENTS_STREAM, INGESTION_CONSUMER);
        expect({ pending: info.num_pending, unacked: info.num_ack_pending }).toEqual({
          pending: 0,
          unacked: 0,
        });
        // The stream keeps only what is not written yet: ingestion purged the rest.
        expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBe(0);
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  } finally {
    await connection.close();
  }
  expect(await readMetric(ingestion.opsUrl, 'northstar_ingestion_stalled')).toBe(0);
  expect(await readMetric(ingestion.opsUrl, 'northstar_ingestion_held_messages')).toBe(0);
  expect((await fetch(`${ingestion.opsUrl}/ready`)).status).toBe(200);
});
