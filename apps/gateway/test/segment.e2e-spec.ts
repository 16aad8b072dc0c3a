import { identityService, ingestionService, keysService, tenancyService } from './platform-services';
import { sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import type { RunningService } from '@northstar/service-runtime';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  e2eClickHouseClient,
  e2eClickhouseEnv,
  eventually,
  migrateService,
  startTestGateway,
  startTestService,
} from './support';
import { call, createOrg, newUser } from './tenancy-support';

// Segment-family server libraries, unchanged, pointed at the gateway (host = the gateway, path
// /v1/batch, write key = a Northstar key): their events end up in ClickHouse once ingestion runs.
// @segment/analytics-node posts JSON; @rudderstack/rudder-sdk-node posts gzip JSON as
// application/x-www-form-urlencoded (axios' type for a Buffer), the key as Basic auth user.

const clickhouseEnv = e2eClickhouseEnv();

const services: RunningService[] = [];
let gateway: RunningGateway;
let clickhouse: ClickHouseClient;

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(ingestionService);
  services.push(await startTestService(identityService));
  services.push(await startTestService(tenancyService));
  services.push(await startTestService(keysService));
  gateway = await startTestGateway({ TRUST_PROXY: 'true' });
  clickhouse = e2eClickHouseClient();
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
  anonymous_id: string;
  message_id: string;
  library_name: string;
  'traits.key': string[];
  'traits.value': string[];
  'properties.key': string[];
  'properties.value': string[];
}

const mapOf = (keys: string[], values: string[]): Record<string, string> =>
  Object.fromEntries(keys.map((key, i) => [key, values[i]]));

/** A fresh owner, organisation and project, and a key of that project with `events:write`. */
async function newProjectKey(label: string): Promise<{ projectId: string; key: string }> {
  const owner = await newUser(gateway.url, `${label} User`);
  const org = await createOrg(gateway.url, owner, `${label} E2E`);
  const project = await call<{ id: string }>(gateway.url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: 'Storefront',
    kind: 'web2',
  });
  const created = await call<{ key: string }>(
    gateway.url,
    'POST',
    `/projects/${project.body.id}/keys`,
    owner,
    { name: `${label} SDK`, scopes: ['events:write'] },
  );
  expect([project.status, created.status]).toEqual([201, 201]);
  return { projectId: project.body.id, key: created.body.key };
}

let ingestion: RunningService | undefined;

/** Ingestion, started once: the events were durably queued when the gateway answered. */
async function startIngestion(): Promise<void> {
  if (ingestion) return;
  ingestion = await startTestService(ingestionService, clickhouseEnv);
  services.push(ingestion);
}

/** The project's events in ClickHouse, by event name, once `count` of them are there. */
function eventsOf(projectId: string, count: number): Promise<EventRow[]> {
  return eventually(
    async () => {
      const result = await clickhouse.query({
        query: toSql(
          sql`SELECT type, event, user_id, anonymous_id, message_id, library_name, traits.key,
                traits.value, properties.key, properties.value
              FROM events FINAL WHERE project_id = ${projectId} ORDER BY event`,
        ),
        format: 'JSONEachRow',
      });
      const found = await result.json<EventRow>();
      if (found.length < count) throw new Error(`${found.length} of ${count} events in ClickHouse`);
      return found;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

interface SentRequest {
  path: string;
  contentType: unknown;
  contentEncoding: unknown;
  authorization: unknown;
  status: number | undefined;
}

/**
 * Records what this process's `node:http` clients send to the gateway's ingestion routes, as they
 * send it (node's diagnostics channel), with the answer's status.
 */
function recordIngestRequests(): { requests: SentRequest[]; stop(): void } {
  const requests: SentRequest[] = [];
  const host = new URL(gateway.url).host;
  const onResponse = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    if (request.getHeader('host') !== host) return;
    requests.push({
      path: request.path,
      contentType: request.getHeader('content-type'),
      contentEncoding: request.getHeader('content-encoding'),
      authorization: request.getHeader('authorization'),
      status: response.statusCode,
    });
  };
  subscribe('http.client.response.finish', onResponse);
  return { requests, stop: () => unsubscribe('http.client.response.finish', onResponse) };
}

it('takes the events of @segment/analytics-node, which ingestion writes to ClickHouse', async () => {
  const { projectId, key } = await newProjectKey('Segment');

  const analytics = new Analytics({
    writeKey: key,
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

  await startIngestion();
  const rows = await eventsOf(projectId, 3);

  expect(rows).toHaveLength(3);
  expect(rows.map((row) => [row.type, row.event, row.user_id, row.anonymous_id])).toEqual([
    ['identify', '', 'segment-user-1', ''],
    ['track', 'Order Completed', 'segment-user-1', ''],
    ['track', 'Product Viewed', '', 'anon-7'],
  ]);
  for (const row of rows) {
    expect(row.library_name).toBe('@segment/analytics-node');
    expect(row.message_id).not.toBe('');
  }
  const [identify, order] = rows;
  expect(mapOf(identify['traits.key'], identify['traits.value'])).toEqual({
    email: 'ada@example.com',
    plan: 'pro',
  });
  expect(mapOf(order['properties.key'], order['properties.value'])).toEqual({
    total: '42.5',
    currency: 'EUR',
  });
});

it('takes the gzip batches of @rudderstack/rudder-sdk-node, which ingestion writes to ClickHouse', async () => {
  const { projectId, key } = await newProjectKey('RudderStack');

  const errors: unknown[] = [];
  const analytics = new RudderAnalytics(key, {
    dataPlaneUrl: gateway.url,
    gzip: true,
    // A refused batch must fail the test at once, not after retries.
    retryCount: 0,
    flushAt: 20,
    logLevel: 'error',
    errorHandler: (error: unknown) => errors.push(error),
  });
  const sent = recordIngestRequests();
  try {
    analytics.identify({ userId: 'rudder-user-1', traits: { email: 'grace@example.com', plan: 'team' } });
    analytics.track({
      userId: 'rudder-user-1',
      event: 'Order Completed',
      properties: { total: 19.99, currency: 'USD' },
    });
    analytics.track({ anonymousId: 'anon-9', event: 'Product Viewed', properties: { sku: 'SKU-2' } });
    await analytics.flush();
  } finally {
    sent.stop();
  }
  expect(errors).toEqual([]);
  // What makes this library different: its wire format, as the gateway received it.
  expect(sent.requests.length).toBeGreaterThan(0);
  for (const request of sent.requests) {
    expect(request).toEqual({
      path: '/v1/batch',
      contentType: 'application/x-www-form-urlencoded',
      contentEncoding: 'gzip',
      authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      status: 202,
    });
  }

  await startIngestion();
  const rows = await eventsOf(projectId, 3);

  expect(rows).toHaveLength(3);
  expect(rows.map((row) => [row.type, row.event, row.user_id, row.anonymous_id])).toEqual([
    ['identify', '', 'rudder-user-1', ''],
    ['track', 'Order Completed', 'rudder-user-1', ''],
    ['track', 'Product Viewed', '', 'anon-9'],
  ]);
  for (const row of rows) {
    expect(row.library_name).toBe('analytics-node');
    expect(row.message_id).not.toBe('');
  }
  const [identify, order, viewed] = rows;
  expect(mapOf(identify['traits.key'], identify['traits.value'])).toEqual({
    email: 'grace@example.com',
    plan: 'team',
  });
  expect(mapOf(order['properties.key'], order['properties.value'])).toEqual({
    total: '19.99',
    currency: 'USD',
  });
  expect(mapOf(viewed['properties.key'], viewed['properties.value'])).toEqual({ sku: 'SKU-2' });
});
