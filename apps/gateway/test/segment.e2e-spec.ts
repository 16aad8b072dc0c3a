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
import type { RunningService, ServiceDefinition } from '@northstar/service-runtime';
import { Analytics } from '@segment/analytics-node';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { e2eEnv, eventually, startTestGateway, startTestService, type Env } from './support';
import { call, createOrg, newUser } from './tenancy-support';

// The official Segment Node library, unchanged, pointed at the gateway (host = the gateway, path
// /v1/batch, write key = a Northstar key): its events end up in ClickHouse once ingestion runs.

// The test ClickHouse database, unless the runner exports its own (as `npm test` does).
const runner: Env = process.env;
const clickhouseEnv: Env = {
  CLICKHOUSE_URL: runner['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123',
  CLICKHOUSE_DATABASE: runner['CLICKHOUSE_DATABASE'] || 'northstar_test',
  CLICKHOUSE_USER: runner['CLICKHOUSE_USER'] || 'default',
  CLICKHOUSE_PASSWORD: runner['CLICKHOUSE_PASSWORD'] ?? '',
};
if (!(clickhouseEnv['CLICKHOUSE_DATABASE'] ?? '').includes('test')) {
  throw new Error(
    `Refusing to run e2e tests against ClickHouse database "${clickhouseEnv['CLICKHOUSE_DATABASE']}"`,
  );
}

const services: RunningService[] = [];
let gateway: RunningGateway;
let clickhouse: ClickHouseClient;

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
  gateway = await startTestGateway({ TRUST_PROXY: 'true' });
  clickhouse = createClickHouse({
    url: clickhouseEnv['CLICKHOUSE_URL'] as string,
    database: clickhouseEnv['CLICKHOUSE_DATABASE'] as string,
    username: clickhouseEnv['CLICKHOUSE_USER'] as string,
    password: clickhouseEnv['CLICKHOUSE_PASSWORD'] ?? '',
  });
});

afterAll(async () => {
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
  await clickhouse?.close();
});

interface EventRow {
  type: string;
  event: string;
  user_id: string;
  message_id: string;
  library_name: string;
  'traits.key': string[];
  'traits.value': string[];
  'properties.key': string[];
  'properties.value': string[];
}

it('takes the events of @segment/analytics-node, which ingestion writes to ClickHouse', async () => {
  const owner = await newUser(gateway.url, 'Segment User');
  const org = await createOrg(gateway.url, owner, 'Segment E2E');
  const project = await call<{ id: string }>(gateway.url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: 'Storefront',
    kind: 'web2',
  });
  const created = await call<{ key: string }>(
    gateway.url,
    'POST',
    `/projects/${project.body.id}/keys`,
    owner,
    {
      name: 'Segment SDK',
      scopes: ['events:write'],
    },
  );
  expect([project.status, created.status]).toEqual([201, 201]);
  const projectId = project.body.id;

  const analytics = new Analytics({
    writeKey: created.body.key,
    host: gateway.url,
    path: '/v1/batch',
    flushAt: 20,
    maxRetries: 2,
  });
  const statuses: number[] = [];
  const errors: unknown[] = [];
  analytics.on('http_response', (response) => statuses.push(response.status));
  analytics.on('error', (error) => errors.push(error));

  analytics.identify({ userId: 'segment-user-1', traits: { email: 'ada@example.com', plan: 'pro' } });
  analytics.track({
    userId: 'segment-user-1',
    event: 'Order Completed',
    properties: { total: 42.5, currency: 'EUR' },
  });
  analytics.track({ anonymousId: 'anon-7', event: 'Product Viewed', properties: { sku: 'SKU-1' } });
  await analytics.closeAndFlush({ timeout: 10_000 });
  expect(errors).toEqual([]);
  expect(statuses).toEqual([202]);

  // Ingestion starts only now: the events were durably queued when the gateway answered.
  services.push(await startTestService(ingestionService, clickhouseEnv));
  const rows = await eventually(
    async () => {
      const result = await clickhouse.query({
        query: toSql(
          sql`SELECT type, event, user_id, message_id, library_name, traits.key, traits.value,
                properties.key, properties.value
              FROM events FINAL WHERE project_id = ${projectId} ORDER BY event`,
        ),
        format: 'JSONEachRow',
      });
      const found = await result.json<EventRow>();
      if (found.length < 3) throw new Error(`${found.length} of 3 events in ClickHouse`);
      return found;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

  expect(rows).toHaveLength(3);
  expect(rows.map((row) => [row.type, row.event, row.user_id])).toEqual([
    ['identify', '', 'segment-user-1'],
    ['track', 'Order Completed', 'segment-user-1'],
    ['track', 'Product Viewed', ''],
  ]);
  for (const row of rows) {
    expect(row.library_name).toBe('@segment/analytics-node');
    expect(row.message_id).not.toBe('');
  }
  const [identify, order] = rows;
  expect(
    Object.fromEntries(identify['traits.key'].map((key, i) => [key, identify['traits.value'][i]])),
  ).toEqual({
    email: 'ada@example.com',
    plan: 'pro',
  });
  expect(
    Object.fromEntries(order['properties.key'].map((key, i) => [key, order['properties.value'][i]])),
  ).toEqual({
    total: '42.5',
    currency: 'EUR',
  });
});
