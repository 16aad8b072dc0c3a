/**
 * Fault test: while events arrive through the gateway's POST /v1/batch, ClickHouse is stopped, kept
 * down for a while and started again. Ingestion must retry its inserts without acknowledging, so that
 * afterwards ClickHouse holds every acknowledged event exactly once.
 * FAULT_EVENTS events (20,000 in `npm test`, 100,000 in `npm run test:fault`).
 *
 * The ClickHouse here is a private server (its own ports and data under the system temp folder,
 * from deploy/local's config template): stopping the shared one would break whatever else uses it.
 */
import { createClickHouse } from '@northstar/clickhouse';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support';
import {
  clickhouseEnv,
  FAULT_EVENTS,
  freePort,
  heldBy,
  Processes,
  ROOT,
  storedOnceEach,
} from './fault-harness';
import { startFaultStack, type FaultStack } from './fault-stack';

jest.setTimeout(15 * 60_000);

/** How long ClickHouse stays down while events keep arriving. */
const DOWNTIME_MS = 8000;
const CLICKHOUSE_BINARY = '/usr/sbin/clickhouse-server';

const processes = new Processes();
let stack: FaultStack | undefined;
let dataDir: string;
let chHttpPort: number;
let chServer: ChildProcess | undefined;

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
    { cwd: dataDir },
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

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'northstar-fault-clickhouse-'));
  chHttpPort = await freePort();
  prepareClickHouse(chHttpPort, await freePort());
  chServer = await startClickHouse();
  const url = `http://127.0.0.1:${chHttpPort}`;
  const admin = createClickHouse({ url, database: 'default', username: 'default', password: '' });
  await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${clickhouseEnv()['CLICKHOUSE_DATABASE']}` });
  await admin.close();
  stack = await startFaultStack({ clickhouse: { CLICKHOUSE_URL: url } });
});

afterAll(async () => {
  // The stack first: its ingestion must not ack against a server being stopped under it.
  await stack?.close();
  await processes.stopAll();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it(`stores each of ${FAULT_EVENTS} acknowledged events exactly once across a restart of ClickHouse`, async () => {
  if (!stack) throw new Error('the stack did not start');
  const ingestion = await stack.startIngestion();
  const load = stack.load(FAULT_EVENTS, 'ch-fault');
  const resume = load.holdAt(0.4);
  const sending = load.run();

  // ClickHouse goes down at 40% of the events, and the rest arrive while it is down.
  await load.reached(0.4);
  await processes.stop(chServer, 'SIGTERM');
  resume();
  await sleep(DOWNTIME_MS);
  // Ingestion holds the events it could not write, unacknowledged.
  const held = await heldBy(ingestion);
  chServer = await startClickHouse();

  expect(await sending).toBe(FAULT_EVENTS);
  const stored = await storedOnceEach(stack.clickhouse, stack.projectId, FAULT_EVENTS);
  console.log(
    `ClickHouse restart fault test: held during the outage ${JSON.stringify(held)}, stored ${JSON.stringify(stored)}`,
  );
  expect(held.events).toBeGreaterThan(0);
  expect(stored).toMatchObject({
    distinctEvents: FAULT_EVENTS,
    distinctMessages: FAULT_EVENTS,
    final: FAULT_EVENTS,
  });
  // Ingestion saw the outage (its inserts failed and were retried), or the test proved nothing.
  expect(stack.processes.output()).toMatch(/retrying in/);
  expect(load.unexpectedAnswers()).toEqual({});
});
