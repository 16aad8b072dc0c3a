import {
  analyticsService,
  identityService,
  ingestionService,
  keysService,
  tenancyService,
} from './platform-services';
import { createClickHouse, type ClickHouseClient } from '@northstar/clickhouse';
import type { RunningService } from '@northstar/service-runtime';
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { eventually, expectProblem, migrateService, startTestGateway, startTestService } from './support';
import { call, createOrg, joinAs, newUser, type TestOrg } from './tenancy-support';
import type { SignedUpUser } from './users';

// Usage end to end: requests made with a key through the gateway are counted by the gateway, recorded
// by keys and reported by analytics, beside the events of the organisation's projects.

const runnerEnv = process.env;
const CLICKHOUSE = {
  url: runnerEnv['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123',
  database: runnerEnv['CLICKHOUSE_DATABASE'] || 'northstar_test',
  username: runnerEnv['CLICKHOUSE_USER'] || 'default',
  password: runnerEnv['CLICKHOUSE_PASSWORD'] || '',
};
const clickHouseEnv = {
  CLICKHOUSE_URL: CLICKHOUSE.url,
  CLICKHOUSE_DATABASE: CLICKHOUSE.database,
  CLICKHOUSE_USER: CLICKHOUSE.username,
  CLICKHOUSE_PASSWORD: CLICKHOUSE.password,
};
const DAY_MS = 86_400_000;

const services: RunningService[] = [];
let gateway: RunningGateway;
let url: string;
let clickhouse: ClickHouseClient;
let owner: SignedUpUser;
let viewer: SignedUpUser;
let outsider: SignedUpUser;
let org: TestOrg;
let shop: string;
let blog: string;

async function createProject(name: string): Promise<string> {
  const answer = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name,
    kind: 'hybrid',
  });
  if (answer.status !== 201) throw new Error(`project: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

async function writeEvents(project: string, times: number[]): Promise<void> {
  await clickhouse.insert({
    table: 'events',
    format: 'JSONEachRow',
    values: times.map((at) => ({
      project_id: project,
      event_id: randomUUID(),
      message_id: randomUUID(),
      type: 'track',
      event: 'Viewed',
      user_id: 'u1',
      timestamp: Math.floor(at / 1000),
      received_at: Math.floor(at / 1000),
    })),
  });
}

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(ingestionService);
  await migrateService(analyticsService);
  clickhouse = createClickHouse(CLICKHOUSE);
  try {
    services.push(await startTestService(identityService));
    services.push(await startTestService(tenancyService));
    services.push(await startTestService(keysService));
    services.push(await startTestService(analyticsService, clickHouseEnv));
    // Key usage reported every 200 ms instead of 5 s, so the test does not wait long for it.
    gateway = await startTestGateway({ API_KEY_USAGE_FLUSH_MS: '200' });
    url = gateway.url;
  } catch (error) {
    for (const service of services.reverse()) await service.close();
    throw error;
  }
  owner = await newUser(url, 'Usage Owner');
  org = await createOrg(url, owner, 'Usage Org');
  viewer = await joinAs(url, org.id, owner, 'viewer');
  outsider = await newUser(url, 'Usage Outsider');
  shop = await createProject('Shop');
  blog = await createProject('Blog');
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
  await clickhouse?.close();
});

describe('usage through the gateway', () => {
  it("counts the requests made with a key, and reports them with the organisation's events", async () => {
    const created = await call<{ id: string; key: string }>(url, 'POST', `/projects/${shop}/keys`, owner, {
      name: 'dashboard',
      scopes: ['analytics:read'],
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${url}/v1/projects/${shop}/analytics/summary`, {
        headers: { 'x-api-key': created.body.key },
      });
      expect(response.status).toBe(200);
    }
    const yesterday = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
    await writeEvents(shop, [yesterday + 3_600_000, yesterday + 7_200_000]);
    await writeEvents(blog, [yesterday + 10_000]);

    const usage = await eventually(
      async () => {
        const answer = await call<{ total: number; byChain: unknown[]; points: { value: number }[] }>(
          url,
          'GET',
          `/keys/${created.body.id}/usage?interval=hour&from=${new Date(Date.now() - 3_600_000).toISOString()}`,
          viewer,
        );
        expect(answer.status).toBe(200);
        expect(answer.body.total).toBe(3);
        return answer.body;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(usage.byChain).toEqual([{ chain: null, count: 3 }]);
    expect(usage.points.reduce((sum, point) => sum + point.value, 0)).toBe(3);

    const from = new Date(yesterday).toISOString();
    const orgUsage = await call<{
      total: { events: number; keyRequests: number };
      projects: { projectId: string; name: string; events: number; keyRequests: number; days: unknown[] }[];
    }>(url, 'GET', `/orgs/${org.id}/usage?from=${from}`, viewer);
    expect(orgUsage.status).toBe(200);
    expect(orgUsage.body.total).toEqual({ events: 3, keyRequests: 3 });
    const byName = Object.fromEntries(orgUsage.body.projects.map((project) => [project.name, project]));
    expect(byName['Shop']).toMatchObject({ projectId: shop, events: 2, keyRequests: 3 });
    expect(byName['Blog']).toMatchObject({ projectId: blog, events: 1, keyRequests: 0 });
    expect(byName['Shop'].days).toHaveLength(2);
  });

  it('answers 404 to someone outside the organisation, and 400 with the field for a bad parameter', async () => {
    const created = await call<{ id: string }>(url, 'POST', `/projects/${shop}/keys`, owner, {
      name: 'other',
      scopes: ['rpc'],
    });
    const headers = (user: SignedUpUser) => ({ authorization: `Bearer ${user.accessToken}` });
    await expectProblem(
      await fetch(`${url}/v1/keys/${created.body.id}/usage`, { headers: headers(outsider) }),
      404,
    );
    await expectProblem(await fetch(`${url}/v1/orgs/${org.id}/usage`, { headers: headers(outsider) }), 404);
    const bad = await expectProblem(
      await fetch(`${url}/v1/keys/${created.body.id}/usage?interval=week`, { headers: headers(viewer) }),
      400,
    );
    expect(bad.errors?.map((error) => error.field)).toEqual(['interval']);
    const reversed = await expectProblem(
      await fetch(`${url}/v1/orgs/${org.id}/usage?from=2026-11-10T00:00:00Z&to=2026-11-01T00:00:00Z`, {
        headers: headers(viewer),
      }),
      400,
    );
    expect(reversed.errors?.map((error) => error.field)).toEqual(['from']);
    await expectProblem(await fetch(`${url}/v1/orgs/${org.id}/usage`), 401);
  });

  it('describes both routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${url}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/keys/{keyId}/usage', '/v1/orgs/{orgId}/usage']),
    );
  });
});
