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
import { createClickHouse, sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { loadConfig } from '@northstar/config';
import { intakeBatch } from '@northstar/event-intake';
import { EventStreamPublisher } from '@northstar/event-stream';
import { connectTestBus, eventually, testEnv, type TestBus } from '@northstar/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IngestionConfig } from '../src/config';
import { ingestionService } from '../src/ingestion.service-definition';

jest.setTimeout(15 * 60_000);

const TOTAL = 100_000;
const BATCH = 500;
const IN_FLIGHT_BATCHES = 8;
/** How long ClickHouse stays down while events keep arriving. */
const DOWNTIME_MS = 8000;
const ROOT = join(__dirname, '..', '..', '..');
const CLICKHOUSE_BINARY = '/usr/sbin/clickhouse-server';

let client: TestBus;
let clickhouse: ClickHouseClient;
let dataDir: string;
let chHttpPort: number;
let chServer: ChildProcess | undefined;
let ingestion: ChildProcess | undefined;
const children = new Set<ChildProcess>();
const output: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

function track(started: ChildProcess, name: string): ChildProcess {
  children.add(started);
  const keep = (chunk: Buffer) => output.push(`[${name}] ${chunk.toString()}`);
  started.stdout?.on('data', keep);
  started.stderr?.on('data', keep);
  return started;
}

function stop(target: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!target || target.exitCode !== null || target.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    target.once('exit', () => resolve());
    target.kill(signal);
  });
}

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
  const started = track(
    spawn(CLICKHOUSE_BINARY, [`--config-file=${join(dataDir, 'config.xml')}`], {
      cwd: dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    'clickhouse',
  );
  await eventually(
    async () => {
      if (started.exitCode !== null) throw new Error(`clickhouse exited: ${output.join('').slice(-2000)}`);
      const response = await fetch(`http://127.0.0.1:${chHttpPort}/ping`);
      expect(await response.text()).toBe('Ok.\n');
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return started;
}

function ingestionEnv(overrides: Record<string, string> = {}) {
  return testEnv({ CLICKHOUSE_URL: `http://127.0.0.1:${chHttpPort}`, LOG_LEVEL: 'warn', ...overrides });
}

/** Starts `main.ts serve` as its own process and resolves once its /ready answers 200. */
async function startIngestion(): Promise<ChildProcess> {
  const port = await freePort();
  const started = track(
    spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/ingestion/src/main.ts',
      ],
      {
        cwd: ROOT,
        env: { ...ingestionEnv({ OPS_PORT: String(port) }), TS_NODE_PROJECT: 'tsconfig.json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
    'ingestion',
  );
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

async function counts(projectId: string) {
  const one = async (fragment: ReturnType<typeof sql>) => {
    const result = await clickhouse.query({ query: toSql(fragment), format: 'JSONEachRow' });
    const [row] = await result.json<{ n: string }>();
    return Number(row.n);
  };
  return {
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
  await stop(ingestion, 'SIGTERM');
  await Promise.all([...children].map((started) => stop(started, 'SIGTERM')));
  await client?.close();
  await clickhouse?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it(`writes each of ${TOTAL} acknowledged events exactly once across a restart of ClickHouse`, async () => {
  const projectId = randomUUID();
  const publisher = await EventStreamPublisher.connect(client.connection);
  ingestion = await startIngestion();

  // ClickHouse goes down at 40% of the events and comes back while publishing goes on.
  const stopAt = Math.floor((TOTAL * 0.4) / BATCH);
  let outage: Promise<void> = Promise.resolve();
  let acknowledged = 0;
  const batches = Math.ceil(TOTAL / BATCH);
  for (let first = 0; first < batches; first += IN_FLIGHT_BATCHES) {
    const round = Array.from({ length: Math.min(IN_FLIGHT_BATCHES, batches - first) }, (_, i) => first + i);
    await Promise.all(
      round.map(async (batchIndex) => {
        const size = Math.min(BATCH, TOTAL - batchIndex * BATCH);
        const events = Array.from({ length: size }, (_, i) => ({
          type: 'track',
          event: 'ClickHouse Fault Test',
          userId: `user-${(batchIndex * BATCH + i) % 1000}`,
          messageId: `ch-fault-${batchIndex * BATCH + i}`,
          properties: { n: batchIndex * BATCH + i },
        }));
        const { accepted } = intakeBatch({ batch: events }, { projectId, receivedAt: new Date() });
        const result = await publisher.publish(accepted);
        acknowledged += result.stored;
      }),
    );
    if (round.includes(stopAt)) {
      await stop(chServer, 'SIGTERM');
      outage = (async () => {
        await sleep(DOWNTIME_MS);
        chServer = await startClickHouse();
      })();
    }
  }
  await outage;
  expect(acknowledged).toBe(TOTAL);

  const final = await eventually(
    async () => {
      const now = await counts(projectId);
      expect(now.distinctEvents).toBe(TOTAL);
      return now;
    },
    { timeoutMs: 5 * 60_000, intervalMs: 2000 },
  );
  console.log(`clickhouse restart fault test: ${JSON.stringify(final)}`);
  expect(final).toEqual({ distinctEvents: TOTAL, distinctMessages: TOTAL, final: TOTAL });
  // Ingestion saw the outage (its inserts failed and were retried), or the test proved nothing.
  expect(output.join('')).toMatch(/retrying in/);
});
