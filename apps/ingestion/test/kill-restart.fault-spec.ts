/**
 * Fault test, outside the default suites (it takes a few minutes): while 100,000 events are
 * published, the ingestion process is killed with SIGKILL and started again, twice. Afterwards
 * ClickHouse must hold every acknowledged event exactly once.
 *
 *   NATS_URL=nats://127.0.0.1:<port> npx jest -c jest.int.config.ts --runInBand \
 *     --testMatch '**\/*.fault-spec.ts' apps/ingestion
 *
 * Ingestion runs as a child process from source (ts-node, transpile only), against the test
 * stores of libs/testing.
 */
import { createClickHouse, sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { loadConfig } from '@northstar/config';
import { intakeBatch } from '@northstar/event-intake';
import { EventStreamPublisher } from '@northstar/event-stream';
import { connectTestBus, eventually, testEnv, type TestBus } from '@northstar/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { IngestionConfig } from '../src/config';
import { ingestionService } from '../src/ingestion.service-definition';

jest.setTimeout(15 * 60_000);

const TOTAL = 100_000;
const BATCH = 500;
const IN_FLIGHT_BATCHES = 8;
const ROOT = join(__dirname, '..', '..', '..');

let client: TestBus;
let clickhouse: ClickHouseClient;
let child: ChildProcess | undefined;
// Every process started, so that none outlives the test whatever happens.
const children = new Set<ChildProcess>();
const output: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Starts `main.ts serve` as its own process and resolves once its /ready answers 200. */
async function startIngestion(): Promise<ChildProcess> {
  const port = await freePort();
  const started = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/ingestion/src/main.ts'],
    {
      cwd: ROOT,
      // Only the test environment: the child must not pick up a developer's own settings.
      env: { ...testEnv({ OPS_PORT: String(port), LOG_LEVEL: 'warn' }), TS_NODE_PROJECT: 'tsconfig.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(started);
  const keep = (chunk: Buffer) => output.push(chunk.toString());
  started.stdout?.on('data', keep);
  started.stderr?.on('data', keep);
  await eventually(
    async () => {
      if (started.exitCode !== null) throw new Error(`ingestion exited: ${output.join('').slice(-2000)}`);
      const response = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(response.status).toBe(200);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return started;
}

function kill(target: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!target || target.exitCode !== null || target.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    target.once('exit', () => resolve());
    target.kill(signal);
  });
}

async function counts(projectId: string) {
  const one = async (fragment: ReturnType<typeof sql>) => {
    const result = await clickhouse.query({ query: toSql(fragment), format: 'JSONEachRow' });
    const [row] = await result.json<{ n: string }>();
    return Number(row.n);
  };
  return {
    rows: await one(sql`SELECT count() AS n FROM events WHERE project_id = ${projectId}`),
    distinctEvents: await one(
      sql`SELECT uniqExact(event_id) AS n FROM events WHERE project_id = ${projectId}`,
    ),
    distinctMessages: await one(
      sql`SELECT uniqExact(message_id) AS n FROM events WHERE project_id = ${projectId}`,
    ),
    final: await one(sql`SELECT count() AS n FROM events FINAL WHERE project_id = ${projectId}`),
  };
}

beforeAll(async () => {
  const config = loadConfig(IngestionConfig, testEnv());
  await ingestionService.migrate?.(config);
  client = await connectTestBus();
  clickhouse = createClickHouse({
    url: config.CLICKHOUSE_URL,
    database: config.CLICKHOUSE_DATABASE,
    username: config.CLICKHOUSE_USER,
    password: config.CLICKHOUSE_PASSWORD,
  });
});

afterAll(async () => {
  await Promise.all([...children].map((started) => kill(started, 'SIGTERM')));
  await client?.close();
  await clickhouse?.close();
});

it(`writes each of ${TOTAL} acknowledged events exactly once across kill -9 and restarts of ingestion`, async () => {
  const projectId = randomUUID();
  const publisher = await EventStreamPublisher.connect(client.connection);
  child = await startIngestion();

  // The kills happen while publishing goes on: at 30% and 70% of the events.
  const killAt = new Set([Math.floor((TOTAL * 0.3) / BATCH), Math.floor((TOTAL * 0.7) / BATCH)]);
  let acknowledged = 0;
  let restarts: Promise<void> = Promise.resolve();
  const batches = Math.ceil(TOTAL / BATCH);
  for (let first = 0; first < batches; first += IN_FLIGHT_BATCHES) {
    const round = Array.from({ length: Math.min(IN_FLIGHT_BATCHES, batches - first) }, (_, i) => first + i);
    await Promise.all(
      round.map(async (batchIndex) => {
        const size = Math.min(BATCH, TOTAL - batchIndex * BATCH);
        const events = Array.from({ length: size }, (_, i) => ({
          type: 'track',
          event: 'Fault Test',
          userId: `user-${(batchIndex * BATCH + i) % 1000}`,
          messageId: `fault-${batchIndex * BATCH + i}`,
          properties: { n: batchIndex * BATCH + i },
        }));
        const { accepted } = intakeBatch({ batch: events }, { projectId, receivedAt: new Date() });
        const result = await publisher.publish(accepted);
        acknowledged += result.stored;
      }),
    );
    for (const batchIndex of round) {
      if (!killAt.has(batchIndex)) continue;
      // The previous restart must be done, or the kill would hit the process it already killed.
      await restarts;
      await kill(child, 'SIGKILL');
      // Restarted in the background: publishing does not wait for ingestion.
      restarts = restarts.then(async () => {
        child = await startIngestion();
      });
    }
  }
  await restarts;
  expect(acknowledged).toBe(TOTAL);

  // Messages the killed processes held come back after the consumer's ack wait (30 s).
  const final = await eventually(
    async () => {
      const now = await counts(projectId);
      expect(now.distinctEvents).toBe(TOTAL);
      return now;
    },
    { timeoutMs: 5 * 60_000, intervalMs: 2000 },
  );
  // Rows written twice (a batch inserted, then the process killed before its acks) collapse.
  console.log(`fault test: ${JSON.stringify(final)}`);
  expect(final).toMatchObject({ distinctEvents: TOTAL, distinctMessages: TOTAL, final: TOTAL });
});
