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
import { expectProblem, migrateService, startTestGateway, startTestService } from './support';
import { call, createOrg, joinAs, newUser, type TestOrg } from './tenancy-support';
import type { SignedUpUser } from './users';

// Analytics end to end: identity, tenancy, keys and analytics behind the gateway; the events are
// written straight into ClickHouse's events table (created by ingestion's own migration).

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

const services: RunningService[] = [];
let gateway: RunningGateway;
let url: string;
let clickhouse: ClickHouseClient;
let owner: SignedUpUser;
let viewer: SignedUpUser;
let outsider: SignedUpUser;
let org: TestOrg;
let projectId: string;
let otherProjectId: string;

async function createProject(orgId: string, name: string): Promise<string> {
  const answer = await call<{ id: string }>(url, 'POST', `/orgs/${orgId}/projects`, owner, {
    name,
    kind: 'hybrid',
  });
  if (answer.status !== 201) throw new Error(`project: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

async function createKey(project: string, scopes: string[]): Promise<string> {
  const answer = await call<{ key: string }>(url, 'POST', `/projects/${project}/keys`, owner, {
    name: 'analytics e2e',
    scopes,
  });
  if (answer.status !== 201) throw new Error(`key: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.key;
}

async function writeEvents(
  project: string,
  rows: { event: string; userId: string; at: string; id?: string }[],
) {
  await clickhouse.insert({
    table: 'events',
    format: 'JSONEachRow',
    values: rows.map((row) => ({
      project_id: project,
      event_id: row.id ?? randomUUID(),
      message_id: randomUUID(),
      type: 'track',
      event: row.event,
      user_id: row.userId,
      timestamp: Math.floor(Date.parse(row.at) / 1000),
      received_at: Math.floor(Date.parse(row.at) / 1000),
    })),
  });
}

const RANGE = 'from=2026-10-24T00:00:00Z&to=2026-10-26T00:00:00Z';

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(ingestionService);
  clickhouse = createClickHouse(CLICKHOUSE);
  try {
    services.push(await startTestService(identityService));
    services.push(await startTestService(tenancyService));
    services.push(await startTestService(keysService));
    services.push(await startTestService(analyticsService, clickHouseEnv));
    gateway = await startTestGateway();
    url = gateway.url;
  } catch (error) {
    for (const service of services.reverse()) await service.close();
    throw error;
  }
  owner = await newUser(url, 'Analytics Owner');
  org = await createOrg(url, owner, 'Analytics Org');
  viewer = await joinAs(url, org.id, owner, 'viewer');
  outsider = await newUser(url, 'Analytics Outsider');
  projectId = await createProject(org.id, 'Shop');
  otherProjectId = await createProject(org.id, 'Other shop');
  const duplicate = randomUUID();
  await writeEvents(projectId, [
    { event: 'Signed Up', userId: 'u1', at: '2026-10-24T10:00:00Z', id: duplicate },
    { event: 'Signed Up', userId: 'u1', at: '2026-10-24T10:00:00Z', id: duplicate },
    { event: 'Purchased', userId: 'u1', at: '2026-10-24T10:10:00Z' },
    { event: 'Signed Up', userId: 'u2', at: '2026-10-25T08:00:00Z' },
  ]);
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
  await clickhouse?.close();
});

const get = (path: string, headers: Record<string, string>) =>
  fetch(`${url}/v1/projects/${projectId}/analytics/${path}`, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('analytics through the gateway', () => {
  it('answers a viewer the summary, with counts as JSON numbers and a duplicate counted once', async () => {
    const response = await get(`summary?${RANGE}`, bearer(viewer.accessToken));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      approximate: expect.any(Boolean),
      events: 3,
      users: 2,
      sessions: 0,
      pageviews: 0,
      web3: { transactions: 0, wallets: 0, failedTransactions: 0 },
    });
  });

  it('answers the time series, top list, funnel and events', async () => {
    const series = await get(`timeseries?${RANGE}&metric=events&interval=day`, bearer(viewer.accessToken));
    expect(await series.json()).toEqual({
      interval: 'day',
      approximate: false,
      points: [
        { t: '2026-10-24T00:00:00.000Z', value: 2 },
        { t: '2026-10-25T00:00:00.000Z', value: 1 },
      ],
    });
    const top = await get(`top?${RANGE}&dimension=event&limit=1`, bearer(viewer.accessToken));
    expect(await top.json()).toEqual({
      approximate: expect.any(Boolean),
      items: [{ value: 'Signed Up', count: 2, users: 2 }],
    });
    const funnel = await fetch(`${url}/v1/projects/${projectId}/analytics/funnel?${RANGE}`, {
      method: 'POST',
      headers: { ...bearer(viewer.accessToken), 'content-type': 'application/json' },
      body: JSON.stringify({ steps: [{ event: 'Signed Up' }, { event: 'Purchased' }], windowSeconds: 3600 }),
    });
    expect(funnel.status).toBe(200);
    expect(await funnel.json()).toEqual({
      steps: [
        { event: 'Signed Up', users: 2, conversion: 1 },
        { event: 'Purchased', users: 1, conversion: 0.5 },
      ],
    });
    const events = await get(`events?${RANGE}&limit=2`, bearer(viewer.accessToken));
    const page = (await events.json()) as { items: { event: string }[]; nextCursor: string | null };
    expect(page.items.map((item) => item.event)).toEqual(['Signed Up', 'Purchased']);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('refuses bad parameters with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['timeseries?metric=revenue', 'metric'],
      ['top?dimension=password', 'dimension'],
      ['summary?from=2026-13-01T00:00:00Z', 'from'],
      ['summary?from=2026-10-26T00:00:00Z&to=2026-10-25T00:00:00Z', 'from'],
      ['timeseries?metric=events&interval=minute', 'interval'],
      ['summary?tz=Mars/Olympus', 'tz'],
    ];
    for (const [path, field] of cases) {
      const problem = await expectProblem(await get(path, bearer(viewer.accessToken)), 400);
      expect({ path, fields: problem.errors?.map((error) => error.field) }).toEqual({
        path,
        fields: [field],
      });
    }
  });

  it('answers 404 to a user of another organisation and 401 without credentials', async () => {
    await expectProblem(await get('summary', bearer(outsider.accessToken)), 404);
    await expectProblem(await get('summary', {}), 401);
  });

  it('lets a key of the project with analytics:read read, in either header', async () => {
    const key = await createKey(projectId, ['analytics:read']);
    const viaBearer = await get(`summary?${RANGE}`, bearer(key));
    expect(viaBearer.status).toBe(200);
    expect(((await viaBearer.json()) as { events: number }).events).toBe(3);
    expect((await get(`summary?${RANGE}`, { 'x-api-key': key })).status).toBe(200);
  });

  it('answers 403 to a key without analytics:read and 404 to a key of another project', async () => {
    await expectProblem(await get('summary', bearer(await createKey(projectId, ['events:write']))), 403);
    await expectProblem(
      await get('summary', bearer(await createKey(otherProjectId, ['analytics:read']))),
      404,
    );
    await expectProblem(await get('summary', { 'x-api-key': 'nsk_live_' + 'x'.repeat(32) }), 401);
  });
});

describe('analytics limits', () => {
  it('refuses a range longer than ANALYTICS_MAX_RANGE_DAYS with 400 naming from', async () => {
    const problem = await expectProblem(
      await get('summary?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', bearer(viewer.accessToken)),
      400,
    );
    expect(problem.errors?.map((error) => error.field)).toEqual(['from']);
  });

  it('answers 429 past ANALYTICS_REQUESTS_PER_MINUTE queries of one caller, others unaffected', async () => {
    const limited = await startTestGateway({ ANALYTICS_REQUESTS_PER_MINUTE: '3' });
    try {
      const key = await createKey(projectId, ['analytics:read']);
      const ask = (headers: Record<string, string>) =>
        fetch(`${limited.url}/v1/projects/${projectId}/analytics/summary?${RANGE}`, { headers });
      for (let i = 0; i < 3; i++) expect((await ask(bearer(key))).status).toBe(200);
      const refused = await ask(bearer(key));
      await expectProblem(refused, 429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await ask(bearer(viewer.accessToken))).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
