/**
 * Fault test, outside the default suites (it takes a few minutes): while 100,000 events are
 * published, ClickHouse is stopped, kept down for a while and started again. Ingestion must retry
 * its inserts without acknowledging, so that afterwards ClickHouse holds every acknowledged event
 * exactly once.
 *
 *   NATS_URL=nats://127.0.0.1:<port> npx jest -c jest.int.config.ts --runInBand \
 *     --testMatch '**\/*.fault-spec.ts' apps/ingestion
 *
 * The ClickHouse here is a private server (its own ports and data under the system temp folder,
 * from deploy/local's config template): stopping the shared one would break whatever else uses it.
 */
import { createClickHouse, type ClickHouseClient } from '@northstar/clickhouse';
import { loadConfig } from '@northstar/config';
import { EventStreamPublisher } from '@northstar/event-stream';
import { connectTestBus, eventually, testEnv, type TestBus } from '@northstar/testing';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IngestionConfig } from '../src/config';
import { ingestionService } from '../src/ingestion.service-definition';
import { batchAt, freePort, Processes, publishEvents, ROOT, storedOnceEach } from './fault-harness';

jest.setTimeout(15 * 60_000);

const TOTAL = 100_000;
/** How long ClickHouse stays down while events keep arriving. */
const DOWNTIME_MS = 8000;
const CLICKHOUSE_BINARY = '/usr/sbin/clickhouse-server';

let client: TestBus;
let clickhouse: ClickHouseClient;
let dataDir: string;
let chHttpPort: number;
let chServer: ChildProcess | undefined;
let ingestion: ChildProcess | undefined;
const processes = new Processes();

/** Renders deploy/local's config for a server of this test only. */
function prepareClickHouse(httpPort: number, tcpPort: number): void {
  for (const sub of ['tmp', 'user_files', 'format_schemas', 'logs'])
    mkdirSync(join(dataDir, sub), { recursive: true });
  const template = readFileSync(join(ROOT, 'deploy/local/clickhouse-config.xml.template'), 'utf8');
  writeFileSync(
    join(dataDir, 'config.xml'),
    template
      .replaceAll('@HTTP_PORT@', String(httpPort))
      .replaceAll('@TCP_PORT@', String(tcpPort))
      .replaceAll('@DATA_DIR@', dataDir)
      .replaceAll('@LOG_DIR@', join(dataDir, 'logs')),
  );
  copyFileSync('/etc/clickhouse-server/users.xml', join(dataDir, 'users.xml'));
}

async function startClickHouse(): Promise<ChildProcess> {
  const started = processes.spawn(
    'clickhouse',
    CLICKHOUSE_BINARY,
    [`--config-file=${join(dataDir, 'config.xml')}`],
    {
      cwd: dataDir,
    },
  );
  await eventually(
    async () => {
      if (started.exitCode !== null) throw new Error(`clickhouse exited: ${processes.output().slice(-2000)}`);
      const response = await fetch(`http://127.0.0.1:${chHttpPort}/ping`);
      expect(await response.text()).toBe('Ok.\n');
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return started;
}

function ingestionEnv() {
  return testEnv({ CLICKHOUSE_URL: `http://127.0.0.1:${chHttpPort}`, LOG_LEVEL: 'warn' });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'northstar-fault-clickhouse-'));
  chHttpPort = await freePort();
  prepareClickHouse(chHttpPort, await freePort());
  chServer = await startClickHouse();
  const config = loadConfig(IngestionConfig, ingestionEnv());
  const admin = createClickHouse({
    url: config.CLICKHOUSE_URL,
    database: 'default',
    username: 'default',
    password: '',
  });
  await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.CLICKHOUSE_DATABASE}` });
  await admin.close();
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
  // Ingestion first: it must not ack against a server being stopped under it.
  await processes.stop(ingestion, 'SIGTERM');
  await processes.stopAll();
  await client?.close();
  await clickhouse?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it(`writes each of ${TOTAL} acknowledged events exactly once across a restart of ClickHouse`, async () => {
  const projectId = randomUUID();
  const publisher = await EventStreamPublisher.connect(client.connection);
  ingestion = await processes.startIngestion(ingestionEnv());

  // ClickHouse goes down at 40% of the events and comes back while publishing goes on.
  const stopAt = batchAt(TOTAL, 0.4);
  let outage: Promise<void> = Promise.resolve();
  const acknowledged = await publishEvents({
    publisher,
    projectId,
    total: TOTAL,
    prefix: 'ch-fault',
    afterRound: async (round) => {
      if (!round.includes(stopAt)) return;
      await processes.stop(chServer, 'SIGTERM');
      outage = (async () => {
        await sleep(DOWNTIME_MS);
        chServer = await startClickHouse();
      })();
    },
  });
  await outage;
  expect(acknowledged).toBe(TOTAL);

  const stored = await storedOnceEach(clickhouse, projectId, TOTAL);
  console.log(`clickhouse restart fault test: ${JSON.stringify(stored)}`);
  expect(stored).toMatchObject({ distinctEvents: TOTAL, distinctMessages: TOTAL, final: TOTAL });
  // Ingestion saw the outage (its inserts failed and were retried), or the test proved nothing.
  expect(processes.output()).toMatch(/retrying in/);
});
