import { eventually, expectProblem } from './support';
import { call, createOrg, newUser } from './tenancy-support';
import type { SignedUpUser } from './users';
import { startWholePlatform, type WholePlatform } from './whole-platform';

// Custom metrics end to end: a key with metrics:write posts points to the gateway, ingestion writes
// them from JetStream to ClickHouse, analytics answers their series to a member, and an alert on
// custom:<name> fires on them. Each run makes its own user, organisation and project.

let platform: WholePlatform;
let url: string;
let owner: SignedUpUser;
let projectId: string;
let metricsKey: string;
let eventsKey: string;
const alertIds: string[] = [];

async function newKey(scopes: string[]): Promise<string> {
  const created = await call<{ key: string }>(url, 'POST', `/projects/${projectId}/keys`, owner, {
    name: `Metrics ${scopes.join(' ')}`,
    scopes,
  });
  if (created.status !== 201) throw new Error(`key: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.key;
}

const postMetrics = (key: string, body: unknown) =>
  fetch(`${url}/v1/metrics`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  platform = await startWholePlatform('metrics', {}, { notifications: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  url = platform.url;
  owner = await newUser(url, 'Metrics Owner');
  const org = await createOrg(url, owner, 'Metrics Org');
  const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: 'Metered',
    kind: 'web2',
  });
  projectId = project.body.id;
  metricsKey = await newKey(['metrics:write']);
  eventsKey = await newKey(['events:write']);
}, 180_000);

afterAll(async () => {
  // An alert left in the test database would be scheduled by every later run: delete what this made.
  for (const id of alertIds) await call(url, 'DELETE', `/alerts/${id}`, owner);
  await platform?.close();
});

describe('custom metrics through the gateway', () => {
  const at = new Date(Date.now() - 60_000);
  const from = new Date(at.getTime() - 2 * 3600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();

  it('takes the valid points of a batch (202) and names the fields of the others', async () => {
    const response = await postMetrics(metricsKey, {
      metrics: [
        { name: 'queue.depth', value: 7, timestamp: at.toISOString(), tags: { region: 'eu' }, id: 'q-1' },
        { name: 'queue depth', value: 'high' },
        { name: 'queue.depth', value: 12, timestamp: at.toISOString(), tags: { region: 'us' } },
        { name: 'queue.depth', value: 1, tags: { region: 'x'.repeat(300) } },
      ],
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      accepted: 2,
      rejected: [
        {
          index: 1,
          errors: [
            { field: 'name', message: expect.stringContaining('name must be 1 to 128') as unknown },
            { field: 'value', message: 'value must be a finite number' },
          ],
        },
        { index: 3, errors: [{ field: 'tags.region', message: expect.stringContaining('256') as unknown }] },
      ],
    });
    // Sent again with its id: stored once.
    const again = await postMetrics(metricsKey, {
      metrics: [
        { name: 'queue.depth', value: 7, timestamp: at.toISOString(), tags: { region: 'eu' }, id: 'q-1' },
      ],
    });
    expect(again.status).toBe(202);
  });

  it('refuses a key without metrics:write (403), and a body that is not a batch (400)', async () => {
    const problem = await expectProblem(
      await postMetrics(eventsKey, { metrics: [{ name: 'a', value: 1 }] }),
      403,
    );
    expect(problem.detail).toContain('metrics:write');
    const invalid = await expectProblem(await postMetrics(metricsKey, { points: [] }), 400);
    expect(invalid.errors).toEqual([expect.objectContaining({ field: 'metrics' })]);
  });

  it('answers the names and the series to a member, per tag value too', async () => {
    const series = await eventually(
      async () => {
        const answer = await call<{ points: Array<{ t: string; value: number }> }>(
          url,
          'GET',
          `/projects/${projectId}/metrics/queue.depth?agg=sum&interval=hour&from=${from}&to=${to}`,
          owner,
        );
        expect(answer.status).toBe(200);
        expect(answer.body.points.reduce((sum, point) => sum + point.value, 0)).toBe(19);
        return answer.body;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(series.points.length).toBeGreaterThanOrEqual(3);
    const names = await call(url, 'GET', `/projects/${projectId}/metrics`, owner);
    expect(names.body).toEqual({ items: [{ name: 'queue.depth', tagKeys: ['region'] }] });
    const grouped = await call<{ series: Array<{ group: string; points: Array<{ value: number }> }> }>(
      url,
      'GET',
      `/projects/${projectId}/metrics/queue.depth?agg=max&interval=hour&groupBy=region&from=${from}&to=${to}`,
      owner,
    );
    expect(
      grouped.body.series.map((s) => [s.group, Math.max(...s.points.map((point) => point.value))]).sort(),
    ).toEqual([
      ['eu', 7],
      ['us', 12],
    ]);
    const wrong = await call(url, 'GET', `/projects/${projectId}/metrics/queue.depth?agg=median`, owner);
    expect((await expectProblem(wrong.response, 400)).errors).toEqual([
      expect.objectContaining({ field: 'agg' }),
    ]);
  });

  it('fires an alert on custom:<name> with an aggregation', async () => {
    const refused = await call(url, 'POST', `/projects/${projectId}/alerts`, owner, {
      name: 'Deep queue',
      metric: 'custom:queue.depth',
      comparator: 'gte',
      threshold: 10,
      windowSeconds: 3600,
      channels: [{ type: 'in_app' }],
    });
    expect((await expectProblem(refused.response, 400)).errors).toEqual([
      expect.objectContaining({ field: 'aggregation' }),
    ]);
    const created = await call<{ id: string; metric: string; aggregation: string }>(
      url,
      'POST',
      `/projects/${projectId}/alerts`,
      owner,
      {
        name: 'Deep queue',
        metric: 'custom:queue.depth',
        aggregation: 'max',
        comparator: 'gte',
        threshold: 10,
        windowSeconds: 3600,
        everySeconds: 5,
        channels: [{ type: 'in_app' }],
      },
    );
    expect(created.status).toBe(201);
    alertIds.push(created.body.id);
    expect(created.body).toMatchObject({ metric: 'custom:queue.depth', aggregation: 'max' });
    await eventually(
      async () => {
        const alert = await call<{ state: string }>(url, 'GET', `/alerts/${created.body.id}`, owner);
        expect(alert.body.state).toBe('firing');
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  });

  it('describes its routes in the OpenAPI document, with who may call them and their problems', async () => {
    const doc = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>>;
    };
    const operations = [
      ['/v1/metrics', 'post', ['202', '400', '403', '413', '503']],
      ['/v1/projects/{projectId}/metrics', 'get', ['200', '401', '403', '404']],
      ['/v1/projects/{projectId}/metrics/{name}', 'get', ['200', '400', '401', '403', '404', '422']],
    ] as const;
    for (const [path, method, statuses] of operations) {
      const operation = doc.paths[path]?.[method] as
        { summary?: string; responses: Record<string, unknown>; 'x-northstar-access'?: unknown } | undefined;
      expect({ path, summary: typeof operation?.summary }).toEqual({ path, summary: 'string' });
      expect(operation?.['x-northstar-access']).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining([...statuses]));
    }
  });
});
