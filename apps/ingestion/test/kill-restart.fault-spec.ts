/**
 * Fault test, outside the default suites (it takes about a minute): while 100,000 events are
 * published, the ingestion process is killed with SIGKILL and started again, twice. Afterwards
 * ClickHouse must hold every acknowledged event exactly once.
 *
 *   NATS_URL=nats://127.0.0.1:<port> npx jest -c jest.int.config.ts --runInBand \
 *     --testMatch '**\/*.fault-spec.ts' apps/ingestion
 *
 * Ingestion runs as a child process from source (ts-node, transpile only), against the test
 * stores of libs/testing.
 */
import { createClickHouse, type ClickHouseClient } from '@northstar/clickhouse';
import { loadConfig } from '@northstar/config';
import { EventStreamPublisher } from '@northstar/event-stream';
import { connectTestBus, testEnv, type TestBus } from '@northstar/testing';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { IngestionConfig } from '../src/config';
import { ingestionService } from '../src/ingestion.service-definition';
import { batchAt, Processes, publishEvents, storedOnceEach } from './fault-harness';

jest.setTimeout(15 * 60_000);

const TOTAL = 100_000;

let client: TestBus;
let clickhouse: ClickHouseClient;
const processes = new Processes();

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
  await processes.stopAll();
  await client?.close();
  await clickhouse?.close();
});

it(`writes each of ${TOTAL} acknowledged events exactly once across kill -9 and restarts of ingestion`, async () => {
  const projectId = randomUUID();
  const publisher = await EventStreamPublisher.connect(client.connection);
  const env = testEnv({ LOG_LEVEL: 'warn' });
  let child: ChildProcess = await processes.startIngestion(env);

  // The kills happen while publishing goes on: at 30% and 70% of the events.
  const killAt = new Set([batchAt(TOTAL, 0.3), batchAt(TOTAL, 0.7)]);
  let restarts: Promise<void> = Promise.resolve();
  const acknowledged = await publishEvents({
    publisher,
    projectId,
    total: TOTAL,
    prefix: 'fault',
    afterRound: async (round) => {
      if (!round.some((batchIndex) => killAt.has(batchIndex))) return;
      // The previous restart must be done, or the kill would hit the process it already killed.
      await restarts;
      await processes.stop(child, 'SIGKILL');
      // Restarted in the background: publishing does not wait for ingestion.
      restarts = restarts.then(async () => {
        child = await processes.startIngestion(env);
      });
    },
  });
  await restarts;
  expect(acknowledged).toBe(TOTAL);

  // Rows written twice (a batch inserted, then the process killed before its acks) collapse.
  const stored = await storedOnceEach(clickhouse, projectId, TOTAL);
  console.log(`fault test: ${JSON.stringify(stored)}`);
  expect(stored).toMatchObject({ distinctEvents: TOTAL, distinctMessages: TOTAL, final: TOTAL });
});
