import {
  analyticsService,
  chainsService,
  identityService,
  ingestionService,
  keysService,
  tenancyService,
} from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  e2eClickhouseEnv,
  eventually,
  expectProblem,
  migrateService,
  startTestGateway,
  startTestService,
} from './support';
import { call, team, type E2eTeam } from './tenancy-support';
import { clientAddress } from './users';

// Saved dashboards end to end: events go in through POST /v1/batch and ingestion, insights of each
// kind and a dashboard are saved through the gateway, and the dashboard's data must be what the
// analytics routes answer for the same queries; then CSV, a share link read without credentials, its
// revocation, and the roles (a viewer reads, cannot edit).

const clickhouseEnv = e2eClickhouseEnv();

const HOUR_MS = 3_600_000;
// A whole UTC day a week ago.
const now = new Date();
const DAY = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 7);
const at = (hour: number, minute = 0) => new Date(DAY + hour * HOUR_MS + minute * 60_000).toISOString();
const RANGE = { from: at(0), to: at(24) };
const RANGE_QUERY = `from=${encodeURIComponent(RANGE.from)}&to=${encodeURIComponent(RANGE.to)}`;
const FUNNEL = { steps: [{ event: 'Signed Up' }, { event: 'Order Completed' }], windowSeconds: 86_400 };
// A name a spreadsheet would run as a formula: the CSV must make it inert.
const RISKY = '=HYPERLINK("https://evil.example")';

const run = randomUUID();
let sequence = 0;
const track = (userId: string, event: string, hour: number, minute = 0) => {
  sequence += 1;
  return { messageId: `${run}-${sequence}`, type: 'track', userId, event, timestamp: at(hour, minute) };
};
const BATCH = [
  track('alice', 'Signed Up', 1, 5),
  track('alice', 'Order Completed', 2),
  track('bob', 'Signed Up', 3),
  // 23:30 UTC: another day in Tokyo than in UTC.
  track('carol', 'Signed Up', 23, 30),
  track('carol', RISKY, 23, 40),
];

const services: RunningService[] = [];
let gateway: RunningGateway;
let url: string;
let people: E2eTeam;
let projectId: string;

interface Insight {
  id: string;
  kind: string;
}
interface DataItem {
  insightId: string;
  kind: string;
  data?: unknown;
  error?: { type: string; title: string; status: number; detail: string };
}

async function created<T>(answer: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const { status, body } = await answer;
  if (status !== 201) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

async function ok<T>(answer: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const { status, body } = await answer;
  if (status !== 200) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(chainsService);
  await migrateService(ingestionService);
  await migrateService(analyticsService);
  try {
    services.push(await startTestService(identityService));
    services.push(await startTestService(tenancyService));
    services.push(await startTestService(keysService));
    services.push(await startTestService(chainsService));
    services.push(await startTestService(ingestionService, clickhouseEnv));
    services.push(await startTestService(analyticsService, clickhouseEnv));
    gateway = await startTestGateway();
    url = gateway.url;
  } catch (error) {
    await gateway?.close();
    for (const service of services.reverse()) await service.close();
    throw error;
  }
  people = await team(url);
  projectId = (
    await created(
      call<{ id: string }>(url, 'POST', `/orgs/${people.org.id}/projects`, people.owner, {
        name: 'Dashboards shop',
        kind: 'web2',
        timezone: 'UTC',
      }),
      'project',
    )
  ).id;
  const { key } = await created(
    call<{ key: string }>(url, 'POST', `/projects/${projectId}/keys`, people.owner, {
      name: 'dashboards e2e',
      scopes: ['events:write'],
    }),
    'key',
  );
  const sent = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ batch: BATCH }),
  });
  expect(sent.status).toBe(202);
  await eventually(
    async () => {
      const summary = await call<{ events: number }>(
        url,
        'GET',
        `/projects/${projectId}/analytics/summary?${RANGE_QUERY}&exact=true`,
        people.viewer,
      );
      expect(summary.body.events).toBe(BATCH.length);
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
});

describe('saved dashboards', () => {
  const insights: Record<string, Insight> = {};
  let dashboardId: string;

  beforeAll(async () => {
    const bodies = {
      summary: { ...RANGE },
      timeseries: { ...RANGE, metric: 'events', interval: 'day' },
      top: { ...RANGE, dimension: 'event', limit: 10 },
      funnel: { ...RANGE, ...FUNNEL },
      // Minutes over the default 7 days: more buckets than a series answers, this item's own 400.
      metric: { name: 'queue.depth', agg: 'max', interval: 'minute' },
    };
    for (const [kind, params] of Object.entries(bodies)) {
      insights[kind] = await created(
        call<Insight>(url, 'POST', `/projects/${projectId}/insights`, people.member, {
          name: `${kind} of the shop`,
          kind,
          params,
        }),
        `POST insight ${kind}`,
      );
    }
    dashboardId = (
      await created(
        call<{ id: string }>(url, 'POST', `/projects/${projectId}/dashboards`, people.member, {
          name: 'Shop overview',
          items: ['summary', 'timeseries', 'top', 'funnel', 'metric'].map((kind, position) => ({
            insightId: insights[kind].id,
            position,
          })),
        }),
        'POST dashboard',
      )
    ).id;
  });

  it('answers every insight as the analytics routes do, and a failing one as its own error', async () => {
    const data = await ok(
      call<{ items: DataItem[] }>(url, 'GET', `/dashboards/${dashboardId}/data`, people.viewer),
      'dashboard data',
    );
    const direct = (path: string) =>
      ok(call(url, 'GET', `/projects/${projectId}/analytics/${path}`, people.viewer), path);
    const [summary, series, top, funnel] = await Promise.all([
      direct(`summary?${RANGE_QUERY}`),
      direct(`timeseries?${RANGE_QUERY}&metric=events&interval=day`),
      direct(`top?${RANGE_QUERY}&dimension=event&limit=10`),
      ok(
        call(url, 'POST', `/projects/${projectId}/analytics/funnel?${RANGE_QUERY}`, people.viewer, FUNNEL),
        'funnel',
      ),
    ]);
    expect(data.items.map((item) => [item.insightId, item.kind])).toEqual(
      ['summary', 'timeseries', 'top', 'funnel', 'metric'].map((kind) => [insights[kind].id, kind]),
    );
    expect(data.items.slice(0, 4).map((item) => item.data)).toEqual([summary, series, top, funnel]);
    expect(summary).toMatchObject({ events: 5, users: 3 });
    expect(funnel).toMatchObject({ steps: [{ users: 3 }, { users: 1 }] });
    expect(data.items[4].error).toMatchObject({
      status: 400,
      title: expect.any(String),
      type: expect.stringContaining('/problems/'),
    });
    expect(data.items[4].data).toBeUndefined();
  });

  it("takes ?from&to&tz over the dashboard's and the insights' own", async () => {
    const tokyo = `from=${encodeURIComponent(at(-9))}&to=${encodeURIComponent(at(39))}&tz=Asia%2FTokyo`;
    const data = await ok(
      call<{ items: DataItem[] }>(url, 'GET', `/dashboards/${dashboardId}/data?${tokyo}`, people.viewer),
      'dashboard data in Tokyo',
    );
    const direct = await ok(
      call<{ points: { t: string; value: number }[] }>(
        url,
        'GET',
        `/projects/${projectId}/analytics/timeseries?${tokyo}&metric=events&interval=day`,
        people.viewer,
      ),
      'timeseries in Tokyo',
    );
    expect(data.items[1].data).toEqual(direct);
    // Carol's two events (23:30 and 23:40 UTC) fall on the next day in Tokyo.
    expect(direct.points.map((point) => point.value)).toEqual([3, 2]);
    expect(direct.points[0].t).toBe(at(-9));
  });

  it('exports an insight as CSV, a formula-looking value made inert', async () => {
    const response = await fetch(`${url}/v1/insights/${insights.top.id}/data?format=csv`, {
      headers: { authorization: `Bearer ${people.viewer.accessToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="top-of-the-shop.csv"');
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('value,count,users');
    expect(lines).toContain('Signed Up,3,3');
    expect(lines).toContain(`"'=HYPERLINK(""https://evil.example"")",1,1`);
    const json = await ok(
      call(url, 'GET', `/insights/${insights.summary.id}/data`, people.viewer),
      'json data',
    );
    expect(json).toMatchObject({ insightId: insights.summary.id, kind: 'summary', data: { events: 5 } });
  });

  it('shares the dashboard by a link that needs no sign-in, shows nothing else, and dies when revoked', async () => {
    const share = await created(
      call<{ token: string; url: string }>(url, 'POST', `/dashboards/${dashboardId}/share`, people.member),
      'share',
    );
    expect(share.url).toBe(`${url}/v1/shared/dashboards/${share.token}`);
    const response = await fetch(share.url);
    expect(response.status).toBe(200);
    const text = await response.text();
    const shared = JSON.parse(text) as {
      name: string;
      items: { name: string; kind: string; data?: unknown }[];
    };
    expect(shared.name).toBe('Shop overview');
    expect(shared.items.map((item) => [item.name, item.kind])).toEqual(
      ['summary', 'timeseries', 'top', 'funnel', 'metric'].map((kind) => [`${kind} of the shop`, kind]),
    );
    expect(shared.items[0].data).toMatchObject({ events: 5 });
    // No id of anything: not the organisation's, the project's, the insights', the dashboard's, anyone's.
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    expect(text).not.toContain(people.member.email);

    // The token reaches this dashboard only: not the authenticated routes, not another dashboard.
    const withToken = await fetch(`${url}/v1/dashboards/${dashboardId}`, {
      headers: { authorization: `Bearer ${share.token}` },
    });
    expect(withToken.status).toBe(401);

    const revoked = await call(url, 'DELETE', `/dashboards/${dashboardId}/share`, people.member);
    expect(revoked.status).toBe(204);
    await expectProblem(await fetch(share.url), 404);
    await expectProblem(await fetch(`${url}/v1/shared/dashboards/nsd_${'x'.repeat(43)}`), 404);
  });

  it('limits the reads of a share link per link and per client address (429 with Retry-After)', async () => {
    // A gateway of its own with a small limit; the limits live in Redis, shared by every gateway.
    const limited = await startTestGateway({ SHARED_DASHBOARD_REQUESTS_PER_MINUTE: '3' });
    try {
      const share = () =>
        created(
          call<{ token: string }>(url, 'POST', `/dashboards/${dashboardId}/share`, people.member),
          'share',
        );
      const read = (token: string, from: Record<string, string>) =>
        fetch(`${limited.url}/v1/shared/dashboards/${token}`, { headers: from });
      const first = await share();
      const a = clientAddress();
      for (let i = 0; i < 3; i += 1) expect((await read(first.token, a)).status).toBe(200);
      const refused = await read(first.token, a);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // The link is spent whoever asks; the address is spent whatever link it asks for.
      expect((await read(first.token, clientAddress())).status).toBe(429);
      const second = await share();
      expect((await read(second.token, a)).status).toBe(429);
      expect((await read(second.token, clientAddress())).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('lets a viewer read but not edit (403), and hides the project from another organisation (404)', async () => {
    const viewer = people.viewer;
    const refusals = await Promise.all([
      call(url, 'POST', `/projects/${projectId}/insights`, viewer, {
        name: 'x',
        kind: 'summary',
        params: {},
      }),
      call(url, 'PATCH', `/insights/${insights.summary.id}`, viewer, { name: 'x' }),
      call(url, 'DELETE', `/insights/${insights.summary.id}`, viewer),
      call(url, 'POST', `/projects/${projectId}/dashboards`, viewer, { name: 'x', items: [] }),
      call(url, 'PATCH', `/dashboards/${dashboardId}`, viewer, { name: 'x' }),
      call(url, 'DELETE', `/dashboards/${dashboardId}`, viewer),
      call(url, 'POST', `/dashboards/${dashboardId}/share`, viewer),
    ]);
    expect(refusals.map((answer) => answer.status)).toEqual(Array(7).fill(403));
    expect((await call(url, 'GET', `/projects/${projectId}/dashboards`, viewer)).status).toBe(200);
    expect((await call(url, 'GET', `/insights/${insights.top.id}`, viewer)).status).toBe(200);
    const outsider = await Promise.all([
      call(url, 'GET', `/dashboards/${dashboardId}/data`, people.outsider),
      call(url, 'GET', `/insights/${insights.top.id}/data`, people.outsider),
      call(url, 'GET', `/projects/${projectId}/insights`, people.outsider),
    ]);
    expect(outsider.map((answer) => answer.status)).toEqual([404, 404, 404]);
  });

  it("refuses another project's insight on a dashboard (400)", async () => {
    const other = await created(
      call<{ id: string }>(url, 'POST', `/orgs/${people.org.id}/projects`, people.owner, {
        name: 'Other shop',
        kind: 'web2',
      }),
      'other project',
    );
    const foreign = await created(
      call<Insight>(url, 'POST', `/projects/${other.id}/insights`, people.member, {
        name: 'Elsewhere',
        kind: 'summary',
        params: {},
      }),
      'foreign insight',
    );
    const refused = await call<{ errors: { field: string }[] }>(
      url,
      'PATCH',
      `/dashboards/${dashboardId}`,
      people.member,
      {
        items: [{ insightId: foreign.id, position: 0 }],
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'items.0.insightId' })]);
  });
});
