import { createClickHouse, identifier, sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { AnalyticsSubjects, type AnalyticsCaller } from '@northstar/contracts';
import { intakeBatch, intakeMetrics } from '@northstar/event-intake';
import { EventStreamPublisher, MetricStreamPublisher } from '@northstar/event-stream';
import type { RunningService } from '@northstar/service-runtime';
import {
  connectTestBus,
  eventually,
  startTestService,
  testEnv,
  TenancyStandIn,
  userActor,
  type TestBus,
  type TestEnv,
} from '@northstar/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  analyticsClusterSchema,
  analyticsService,
  eventStoreClusterSchema,
  EventStoreRepository,
  ingestionService,
  RollupJob,
} from '../platform-services';

// The event store on a ClickHouse cluster (deploy/local/clickhouse-cluster.sh: one shard of two
// replicas and ZooKeeper), fed by the real pipeline (JetStream, then ingestion), answers every
// analytics query as the single server does with the same events, from raw events and from the
// roll-ups; a replica stopped while events are written loses none of them.

const ROOT = resolve(__dirname, '../../../..');
const SCRIPT = join(ROOT, 'deploy/local/clickhouse-cluster.sh');
const CLUSTER_DIR = join(ROOT, '.data/clickhouse-cluster');
const REPLICA_URLS = ['http://127.0.0.1:8221', 'http://127.0.0.1:8222'];
const DATABASE = `northstar_test_cluster_${Date.now().toString(36)}`;
const HOUR = 3_600_000;
const WAIT = { timeoutMs: 90_000, intervalMs: 500 };

interface Platform {
  nats?: ChildProcess;
  client: TestBus;
  tenancy: TenancyStandIn;
  publisher: EventStreamPublisher;
  metricPublisher: MetricStreamPublisher;
  services: RunningService[];
}

let natsDir: string;
let clusterNats: ChildProcess | undefined;
const platforms: { single?: Platform; cluster?: Platform } = {};
const replicas: ClickHouseClient[] = [];

function runScript(...args: string[]): void {
  const result = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`clickhouse-cluster.sh ${args.join(' ')}: ${result.stderr}`);
}

async function startNats(port: number): Promise<ChildProcess> {
  const nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', natsDir], {
    stdio: 'ignore',
  });
  await eventually(async () => {
    const bus = await connectTestBus({ NATS_URL: `nats://127.0.0.1:${port}` });
    await bus.close();
  }, WAIT);
  return nats;
}

async function startPlatform(overrides: TestEnv, nats?: ChildProcess): Promise<Platform> {
  const client = await connectTestBus(overrides);
  const tenancy = new TenancyStandIn(client.connection);
  await tenancy.start();
  const settings = { ...overrides, ANALYTICS_ROLLUP_INTERVAL_MS: '0', INGEST_RETENTION_INTERVAL_MS: '0' };
  const services = [
    await startTestService(ingestionService, settings),
    await startTestService(analyticsService, settings),
  ];
  const publisher = await EventStreamPublisher.connect(client.connection);
  const metricPublisher = await MetricStreamPublisher.connect(client.connection);
  return { nats, client, tenancy, publisher, metricPublisher, services };
}

beforeAll(async () => {
  runScript('up');
  natsDir = mkdtempSync(join(tmpdir(), 'northstar-ch-cluster-nats-'));
  const port = 4290 + Math.floor(Math.random() * 50);
  const nats = await startNats(port);
  clusterNats = nats;
  platforms.single = await startPlatform({});
  platforms.cluster = await startPlatform(
    {
      NATS_URL: `nats://127.0.0.1:${port}`,
      CLICKHOUSE_URL: REPLICA_URLS[0] as string,
      CLICKHOUSE_DATABASE: DATABASE,
      CLICKHOUSE_CLUSTER: 'northstar',
      // Its own session state: both ingestion services see the same visitors.
      REDIS_URL: 'redis://127.0.0.1:6379/2',
    },
    nats,
  );
  for (const url of REPLICA_URLS)
    replicas.push(createClickHouse({ url, database: DATABASE, username: 'default', password: '' }));
}, 180_000);

afterAll(async () => {
  for (const platform of [platforms.cluster, platforms.single]) {
    if (!platform) continue;
    for (const service of platform.services.reverse()) await service.close();
    platform.tenancy.stop();
    await platform.client.close();
    platform.nats?.kill();
  }
  for (const replica of replicas) await replica.close();
  // The suite's own database, on every replica at once (a server session, not in the database).
  const server = createClickHouse(
    { url: REPLICA_URLS[0] as string, database: DATABASE, username: 'default', password: '' },
    null,
  );
  await server.command({ query: `DROP DATABASE IF EXISTS ${DATABASE} ON CLUSTER northstar` }).catch(() => 0);
  await server.close();
  clusterNats?.kill();
  if (natsDir) rmSync(natsDir, { recursive: true, force: true });
});

/** Every table of the ingestion and analytics schemas, each made twice on the cluster. */
const CLUSTER_TABLES = [
  ...eventStoreClusterSchema.tables,
  ...analyticsClusterSchema.tables,
  { name: 'schema_migrations' },
].map((table) => table.name);

function testClickHouse() {
  const env = testEnv();
  return {
    url: env['CLICKHOUSE_URL'] as string,
    database: env['CLICKHOUSE_DATABASE'] as string,
    username: env['CLICKHOUSE_USER'] ?? 'default',
    password: env['CLICKHOUSE_PASSWORD'] ?? '',
  };
}

/** A deterministic mix of page, track and transaction events of 40 people over the last 50 hours. */
function generatedEvents(count: number, seed: string): Record<string, unknown>[] {
  let state = [...seed].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) >>> 0, 7);
  // A linear congruential generator; its high bits, as its low ones repeat with a short period.
  const next = (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 16) % n;
  };
  const now = Date.now();
  return Array.from({ length: count }, (_, index) => {
    const user = `user-${next(40)}`;
    const timestamp = new Date(now - 2 * HOUR - next(48 * HOUR)).toISOString();
    const base = { messageId: `${seed}-${index}`, userId: user, timestamp };
    const kind = next(10);
    if (kind < 4)
      return {
        ...base,
        type: 'page',
        name: 'Page',
        context: {
          page: { path: ['/', '/pricing', '/docs'][next(3)], referrer: 'https://search.example/q' },
          locale: ['en-GB', 'fr-FR'][next(2)],
        },
      };
    if (kind < 8)
      return { ...base, type: 'track', event: ['Signed Up', 'Viewed Plan', 'Purchased'][next(3)] };
    return {
      ...base,
      type: 'transaction',
      event: 'Swap',
      web3: {
        chainId: [1, 137][next(2)],
        walletAddress: `0x${next(1000).toString(16).padStart(40, '0')}`,
        txHash: `0x${randomUUID().replace(/-/g, '').padEnd(64, '0')}`,
        status: next(5) === 0 ? 'failed' : 'success',
      },
    };
  });
}

async function publish(
  platform: Platform,
  projectId: string,
  events: Record<string, unknown>[],
): Promise<void> {
  for (let i = 0; i < events.length; i += 100) {
    const { accepted, rejected } = intakeBatch(
      { batch: events.slice(i, i + 100) },
      // As the gateway makes them: a message id sent again is the same event.
      { projectId, receivedAt: new Date(), eventIds: 'fromMessageId' },
    );
    expect(rejected).toEqual([]);
    await platform.publisher.publish(accepted);
  }
}

/** Points of a custom metric over the same hours, tagged by region, some sent twice with their id. */
function generatedPoints(count: number): Record<string, unknown>[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, index) => ({
    id: `point-${index}`,
    name: 'queue.depth',
    value: (index * 37) % 101,
    timestamp: new Date(now - 2 * HOUR - ((index * 7919) % (48 * HOUR))).toISOString(),
    tags: { region: ['eu', 'us', 'ap'][index % 3] as string },
  }));
}

async function publishPoints(platform: Platform, projectId: string, points: Record<string, unknown>[]) {
  const { accepted, rejected } = intakeMetrics({ metrics: points }, { projectId, receivedAt: new Date() });
  expect(rejected).toEqual([]);
  await platform.metricPublisher.publish(accepted);
}

/** Distinct events of the project in a table, by message id. */
async function distinctEvents(client: ClickHouseClient, table: 'events' | 'events_local', projectId: string) {
  const result = await client.query({
    query: `SELECT uniqExact(message_id) AS n FROM ${table} ` + toSql(sql`WHERE project_id = ${projectId}`),
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

/** Every analytics answer of the project, as a user of the API would ask for them. */
async function answers(platform: Platform, caller: AnalyticsCaller, projectId: string) {
  const range = {
    from: new Date(Date.now() - 60 * HOUR).toISOString().slice(0, 13) + ':00:00Z',
    to: new Date(Date.now() + HOUR).toISOString().slice(0, 13) + ':00:00Z',
  };
  const ask = { caller, projectId, ...range };
  const send = platform.client.bus.send.bind(platform.client.bus);
  const top = async (dimension: string) =>
    (await send(AnalyticsSubjects.top, { ...ask, dimension: dimension as 'event' })).items;
  const newest = await send(AnalyticsSubjects.events, { ...ask, limit: 20 });
  return {
    summary: await send(AnalyticsSubjects.summary, ask),
    hourly: await send(AnalyticsSubjects.timeseries, { ...ask, metric: 'events', interval: 'hour' }),
    usersByDayInKolkata: await send(AnalyticsSubjects.timeseries, {
      ...ask,
      metric: 'users',
      interval: 'day',
      tz: 'Asia/Kolkata',
    }),
    top: {
      event: await top('event'),
      page: await top('page'),
      chain: await top('chain'),
    },
    funnel: await send(AnalyticsSubjects.funnel, {
      ...ask,
      steps: [{ event: 'Signed Up' }, { event: 'Viewed Plan' }, { event: 'Purchased' }],
      windowSeconds: 86_400,
    }),
    metrics: await send(AnalyticsSubjects.metricNames, { caller, projectId }),
    metricP95ByRegion: await send(AnalyticsSubjects.metricSeries, {
      ...ask,
      name: 'queue.depth',
      agg: 'p95',
      interval: 'hour',
      groupBy: 'region',
    }),
    metricSumByDay: await send(AnalyticsSubjects.metricSeries, {
      ...ask,
      name: 'queue.depth',
      agg: 'sum',
      interval: 'day',
      tz: 'Asia/Kolkata',
    }),
    // Event and session ids are the server's own: each side made its own.
    newest: newest.items.map(({ id: _, receivedAt: __, sessionId: ___, ...event }) => event),
  };
}

async function rollUp(platform: Platform): Promise<void> {
  await new Promise((resolveWait) => setTimeout(resolveWait, 1100));
  const job = (platform.services[1] as RunningService).app.get(RollupJob);
  while ((await job.runOnce(0)).more);
}

it('makes every table of the single server, with the same columns, as a Distributed table over replicated ones', async () => {
  // In declaration order (18.16's system.columns has no position): DESCRIBE each table.
  const columns = async (client: ClickHouseClient, database: string, table: string) => {
    const result = await client.query({
      query: toSql(sql`DESCRIBE TABLE ${identifier(database)}.${identifier(table)}`),
      format: 'JSONEachRow',
    });
    return (await result.json<{ name: string; type: string }>()).map(({ name, type }) => `${name} ${type}`);
  };
  const engines = async (client: ClickHouseClient) => {
    const result = await client.query({
      query: toSql(sql`SELECT name, engine FROM system.tables WHERE database = ${DATABASE} ORDER BY name`),
      format: 'JSONEachRow',
    });
    return result.json<{ name: string; engine: string }>();
  };
  const single = createClickHouse(testClickHouse());
  try {
    for (const table of CLUSTER_TABLES) {
      const expected = await columns(single, testClickHouse().database, table);
      expect({
        table,
        columns: await columns(replicas[1] as ClickHouseClient, DATABASE, `${table}_local`),
      }).toEqual({
        table,
        columns: expected,
      });
      expect(await columns(replicas[1] as ClickHouseClient, DATABASE, table)).toEqual(expected);
    }
  } finally {
    await single.close();
  }
  for (const { name, engine } of await engines(replicas[1] as ClickHouseClient)) {
    if (name.endsWith('_mv')) expect(engine).toBe('MaterializedView');
    else if (name.endsWith('_local')) expect(engine).toMatch(/^Replicated/);
    else expect(engine).toBe('Distributed');
  }
});

it('answers every analytics query as a single server does, from raw events and from roll-ups', async () => {
  const { single, cluster } = platforms as Required<typeof platforms>;
  const actor = userActor();
  const ids = single.tenancy.project(actor.userId, 'viewer');
  cluster.tenancy.project(actor.userId, 'viewer', ids);
  const { projectId } = ids;
  // In time order: a visitor's sessions then follow from the events alone, not from how the two
  // ingestion services happened to batch them.
  const events = generatedEvents(600, projectId.slice(0, 8)).sort((a, b) =>
    String(a['timestamp']).localeCompare(String(b['timestamp'])),
  );
  const points = generatedPoints(900);
  for (const platform of [single, cluster]) {
    await publish(platform, projectId, events);
    // A point sent again with its id counts once.
    await publishPoints(platform, projectId, [...points, ...points.slice(0, 30)]);
  }
  await eventually(async () => {
    expect(await distinctEvents(replicas[0] as ClickHouseClient, 'events', projectId)).toBe(600);
    expect((await answers(single, { actor }, projectId)).summary.events).toBe(600);
    for (const platform of [single, cluster]) {
      const { points: sums } = await platform.client.bus.send(AnalyticsSubjects.metricSeries, {
        caller: { actor },
        projectId,
        name: 'queue.depth',
        agg: 'count',
        interval: 'day',
        from: new Date(Date.now() - 4 * 24 * HOUR).toISOString().slice(0, 10) + 'T00:00:00Z',
      });
      expect((sums ?? []).reduce((total, point) => total + point.value, 0)).toBe(900);
    }
  }, WAIT);

  const caller = { actor };
  const expected = await answers(single, caller, projectId);
  expect(expected.summary.events).toBe(600);
  expect(await answers(cluster, caller, projectId)).toEqual(expected);

  await rollUp(single);
  await rollUp(cluster);
  const rolled = await answers(single, caller, projectId);
  expect(await answers(cluster, caller, projectId)).toEqual(rolled);
}, 300_000);

let downProjectId = '';

it('loses no event written while a replica is down; the replica catches up when it is back', async () => {
  const { cluster } = platforms as Required<typeof platforms>;
  const { projectId } = cluster.tenancy.project(userActor().userId, 'viewer');
  downProjectId = projectId;
  const pid = Number(readFileSync(join(CLUSTER_DIR, 'r2.pid'), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  try {
    await publish(cluster, projectId, generatedEvents(300, `down-${projectId.slice(0, 8)}`));
    await eventually(async () => {
      expect(await distinctEvents(replicas[0] as ClickHouseClient, 'events_local', projectId)).toBe(300);
    }, WAIT);
  } finally {
    runScript('up');
  }
  await eventually(async () => {
    expect(await distinctEvents(replicas[1] as ClickHouseClient, 'events_local', projectId)).toBe(300);
  }, WAIT);
}, 300_000);

it("deletes a deleted project's events on every replica (a mutation ON CLUSTER)", async () => {
  const { cluster } = platforms as Required<typeof platforms>;
  const ingestion = cluster.services[0] as RunningService;
  await ingestion.app.get(EventStoreRepository).deleteProject(downProjectId, new Date());
  await eventually(async () => {
    for (const replica of replicas)
      expect(await distinctEvents(replica, 'events_local', downProjectId)).toBe(0);
  }, WAIT);
}, 120_000);
