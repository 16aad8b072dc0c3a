// eslint-disable-next-line @nx/enforce-module-boundaries -- end-to-end tests run the real services behind the gateway
import { identityService } from '../../identity/src/identity.service-definition';
// eslint-disable-next-line @nx/enforce-module-boundaries -- end-to-end tests run the real services behind the gateway
import { ingestionService } from '../../ingestion/src/ingestion.service-definition';
// eslint-disable-next-line @nx/enforce-module-boundaries -- end-to-end tests run the real services behind the gateway
import { keysService } from '../../keys/src/keys.service-definition';
// eslint-disable-next-line @nx/enforce-module-boundaries -- end-to-end tests run the real services behind the gateway
import { tenancyService } from '../../tenancy/src/tenancy.service-definition';
import { createClickHouse, sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { loadConfig, type ServiceConfig } from '@northstar/config';
import { EVENTS_STREAM } from '@northstar/contracts';
import type { RunningService, ServiceDefinition } from '@northstar/service-runtime';
import { connect, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { e2eEnv, eventually, startTestGateway, startTestService, type Env } from './support';
import { call, createOrg, newUser } from './tenancy-support';

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

const runner: Env = process.env;
const clickhouseEnv: Env = {
  CLICKHOUSE_URL: runner['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123',
  CLICKHOUSE_DATABASE: runner['CLICKHOUSE_DATABASE'] || 'northstar_test',
  CLICKHOUSE_USER: runner['CLICKHOUSE_USER'] || 'default',
  CLICKHOUSE_PASSWORD: runner['CLICKHOUSE_PASSWORD'] ?? '',
};
if (!(clickhouseEnv['CLICKHOUSE_DATABASE'] ?? '').includes('test')) {
  throw new Error(`Refusing to run e2e tests against ClickHouse database "${clickhouseEnv['CLICKHOUSE_DATABASE']}"`);
}

const services: RunningService[] = [];
let ingestion: RunningService;
let gateway: RunningGateway;
let clickhouse: ClickHouseClient;
let nats: NatsConnection;

async function migrate<C extends ServiceConfig>(definition: ServiceDefinition<C>): Promise<void> {
  await definition.migrate?.(loadConfig(definition.configClass, e2eEnv(clickhouseEnv)));
}

beforeAll(async () => {
  await migrate(identityService);
  await migrate(tenancyService);
  await migrate(keysService);
  await migrate(ingestionService);
  services.push(await startTestService(identityService));
  services.push(await startTestService(tenancyService));
  services.push(await startTestService(keysService));
  ingestion = await startTestService(ingestionService, clickhouseEnv);
  services.push(ingestion);
  gateway = await startTestGateway();
  clickhouse = createClickHouse({
    url: clickhouseEnv['CLICKHOUSE_URL'] as string,
    database: clickhouseEnv['CLICKHOUSE_DATABASE'] as string,
    username: clickhouseEnv['CLICKHOUSE_USER'] as string,
    password: clickhouseEnv['CLICKHOUSE_PASSWORD'] ?? '',
  });
  nats = await connect({ servers: (e2eEnv()['NATS_URL'] ?? '').split(',') });
});

afterAll(async () => {
  await nats?.close();
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
  await clickhouse?.command({ query: toSql(sql`ALTER TABLE events DROP PARTITION ${LOAD_PARTITION}`) });
  await clickhouse?.close();
});

async function newProjectKey(): Promise<{ projectId: string; key: string }> {
  const owner = await newUser(gateway.url, 'Load Sender');
  const org = await createOrg(gateway.url, owner, 'Load');
  const project = await call<{ id: string }>(gateway.url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: 'Load',
    kind: 'hybrid',
  });
  if (project.status !== 201) throw new Error(`project: ${project.status} ${JSON.stringify(project.body)}`);
  const key = await call<{ key: string }>(gateway.url, 'POST', `/projects/${project.body.id}/keys`, owner, {
    name: 'SDK',
    scopes: ['events:write'],
  });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${JSON.stringify(key.body)}`);
  return { projectId: project.body.id, key: key.body.key };
}

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
  key: string,
  connections: number,
  seconds: number,
  body: () => { json: unknown; events: number },
): Promise<LoadResult> {
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
  const result = await clickhouse.query({
    query: toSql(sql`SELECT uniqExact(message_id) AS n FROM events WHERE project_id = ${projectId}`),
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

it('writes every acknowledged event of saturating single events then batches, and ends with nothing pending', async () => {
  const { projectId, key } = await newProjectKey();

  const singles = await load('/v1/events', key, 100, LOAD_SECONDS, () => ({ json: event(), events: 1 }));
  const batches = await load('/v1/batch', key, 50, LOAD_SECONDS, () => ({
    json: { batch: Array.from({ length: BATCH_SIZE }, event) },
    events: BATCH_SIZE,
  }));
  const acknowledged = singles.acknowledged + batches.acknowledged;
  // The load must have been real: thousands of messages of both sizes.
  expect(singles.acknowledged).toBeGreaterThan(1000);
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
  const jsm = await nats.jetstreamManager();
  await eventually(
    async () => {
      const info = await jsm.consumers.info(EVENTS_STREAM, 'ingestion');
      expect({ pending: info.num_pending, unacked: info.num_ack_pending }).toEqual({ pending: 0, unacked: 0 });
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  const metrics = await (await fetch(`${ingestion.opsUrl}/metrics`)).text();
  expect(metrics).toMatch(/^northstar_ingestion_stalled\{[^}]*\} 0$/m);
  expect(metrics).toMatch(/^northstar_ingestion_held_messages\{[^}]*\} 0$/m);
  const ready = await fetch(`${ingestion.opsUrl}/ready`);
  expect(ready.status).toBe(200);
});
