import {
  AnalyticsSubjects,
  BusErrorCode,
  type AnalyticsCaller,
  type MetricSeriesRequest,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { busError, TEST_BUS_TIMEOUT_MS, testSigner, userActor } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { analyticsTestBed } from '../../test/analytics-test-bed';
import { MetricSeriesQuery } from './metric-series.query';

// Custom metrics as analytics reads them: points written straight into ingestion's `metrics` table
// (as its consumer writes them), queried over the real bus as the gateway asks.

const bed = analyticsTestBed();

interface Point {
  name?: string;
  value: number;
  at: string;
  tags?: Record<string, string>;
  id?: string;
}

async function writePoints(projectId: string, points: Point[]): Promise<void> {
  await bed.store.client.insert({
    table: 'metrics',
    format: 'JSONEachRow',
    values: points.map((point) => {
      const ms = Date.parse(point.at);
      const tags = Object.entries(point.tags ?? {});
      return {
        project_id: projectId,
        name: point.name ?? 'queue.depth',
        timestamp: Math.floor(ms / 1000),
        timestamp_ms: ms % 1000,
        metric_id: point.id ?? randomUUID(),
        value: point.value,
        'tags.key': tags.map(([key]) => key),
        'tags.value': tags.map(([, value]) => value),
        received_at: Math.floor(ms / 1000),
      };
    }),
  });
}

const POINTS: Point[] = [
  { value: 10, at: '2026-11-02T10:05:00Z', tags: { region: 'eu' }, id: 'p1' },
  { value: 20, at: '2026-11-02T10:40:00Z', tags: { region: 'us' } },
  { value: 30, at: '2026-11-02T10:50:00Z', tags: { region: 'eu', host: 'a' } },
  // 00:30 on 3 November in Paris (UTC+1), still the 2nd in UTC.
  { value: 5, at: '2026-11-02T23:30:00Z', tags: { region: 'eu' } },
  { value: 99, at: '2026-11-02T12:00:00Z', name: 'other.metric' },
  // Outside the range.
  { value: 1000, at: '2026-11-04T00:00:00Z' },
];
const RANGE = { from: '2026-11-02T00:00:00Z', to: '2026-11-04T00:00:00Z' };

async function tenant(): Promise<{ projectId: string; caller: AnalyticsCaller }> {
  const actor = userActor();
  const project = bed.tenancy.project(actor.userId, 'viewer');
  await writePoints(project.projectId, POINTS);
  return { projectId: project.projectId, caller: { actor } };
}

const series = (t: { projectId: string; caller: AnalyticsCaller }, query: Partial<MetricSeriesRequest>) =>
  bed.client.bus.send(AnalyticsSubjects.metricSeries, {
    caller: t.caller,
    projectId: t.projectId,
    name: 'queue.depth',
    ...RANGE,
    ...query,
  });

const values = (points: Array<{ t: string; value: number }>) =>
  points.filter((point) => point.value !== 0).map((point) => [point.t, point.value]);

describe('custom metrics of a project', () => {
  let t: { projectId: string; caller: AnalyticsCaller };
  beforeAll(async () => {
    t = await tenant();
  });

  it('lists the names with the tag keys seen', async () => {
    expect(
      await bed.client.bus.send(AnalyticsSubjects.metricNames, { caller: t.caller, projectId: t.projectId }),
    ).toEqual({
      items: [
        { name: 'other.metric', tagKeys: [] },
        { name: 'queue.depth', tagKeys: ['host', 'region'] },
      ],
    });
  });

  it('aggregates per bucket, zero-filled', async () => {
    const daily = await series(t, { agg: 'sum', interval: 'day' });
    expect(daily).toMatchObject({ name: 'queue.depth', agg: 'sum', interval: 'day' });
    expect(daily.points).toEqual([
      { t: '2026-11-02T00:00:00.000Z', value: 65 },
      { t: '2026-11-03T00:00:00.000Z', value: 0 },
    ]);
    const hourly = await series(t, { agg: 'avg', interval: 'hour' });
    expect(hourly.points).toHaveLength(48);
    expect(values(hourly.points ?? [])).toEqual([
      ['2026-11-02T10:00:00.000Z', 20],
      ['2026-11-02T23:00:00.000Z', 5],
    ]);
    const count = await series(t, { agg: 'count', interval: 'day' });
    expect(values(count.points ?? [])).toEqual([['2026-11-02T00:00:00.000Z', 4]]);
    const max = await series(t, { agg: 'max', interval: 'day' });
    expect(values(max.points ?? [])).toEqual([['2026-11-02T00:00:00.000Z', 30]]);
    const p50 = await series(t, {
      agg: 'p50',
      interval: 'hour',
      from: '2026-11-02T10:00:00Z',
      to: '2026-11-02T11:00:00Z',
    });
    expect(p50.points).toEqual([{ t: '2026-11-02T10:00:00.000Z', value: 20 }]);
  });

  it('counts a point written twice (a redelivery not merged yet) once, across the recent boundary too', async () => {
    const actor = userActor();
    const recent = { projectId: bed.tenancy.project(actor.userId, 'viewer').projectId, caller: { actor } };
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    const points: Point[] = [
      { value: 4, at: at(3600_000), id: 'r1' },
      { value: 6, at: at(3 * 86_400_000), id: 'r2' },
    ];
    await writePoints(recent.projectId, points);
    await writePoints(recent.projectId, [points[0]]);
    const range = { from: at(4 * 86_400_000), to: at(-60_000) };
    const total = await series(recent, { agg: 'sum', interval: 'day', ...range });
    expect((total.points ?? []).reduce((sum, point) => sum + point.value, 0)).toBe(10);
    const count = await series(recent, {
      agg: 'count',
      interval: 'hour',
      from: at(2 * 3600_000),
      to: range.to,
    });
    expect((count.points ?? []).reduce((sum, point) => sum + point.value, 0)).toBe(1);
    const notifications = new BusClient(
      bed.client.connection,
      TEST_BUS_TIMEOUT_MS,
      testSigner('notifications'),
    );
    const value = await notifications.send(AnalyticsSubjects.metric, {
      caller: { service: { name: 'notifications', projectId: recent.projectId } },
      projectId: recent.projectId,
      metric: 'custom:queue.depth',
      aggregation: 'count',
      ...range,
    });
    expect(value).toEqual({ value: 2 });
  });

  it('buckets days on the clock of tz', async () => {
    const paris = await series(t, {
      agg: 'sum',
      interval: 'day',
      tz: 'Europe/Paris',
      from: '2026-11-01T23:00:00Z',
      to: '2026-11-03T23:00:00Z',
    });
    expect(paris.points).toEqual([
      { t: '2026-11-01T23:00:00.000Z', value: 60 },
      { t: '2026-11-02T23:00:00.000Z', value: 5 },
    ]);
  });

  it('groups by a tag, the group with most points first, and filters by tag values', async () => {
    const grouped = await series(t, { agg: 'sum', interval: 'day', groupBy: 'region' });
    expect(grouped.points).toBeUndefined();
    expect(grouped.series?.map((s) => [s.group, values(s.points)])).toEqual([
      ['eu', [['2026-11-02T00:00:00.000Z', 45]]],
      ['us', [['2026-11-02T00:00:00.000Z', 20]]],
    ]);
    expect(grouped.series?.[0].points).toHaveLength(2);
    const eu = await series(t, { agg: 'sum', interval: 'day', tag: ['region:eu', 'host:a'] });
    expect(values(eu.points ?? [])).toEqual([['2026-11-02T00:00:00.000Z', 30]]);
  });

  it('answers the same series to a dashboard through MetricSeriesQuery.series', async () => {
    const direct = await bed.service.app.get(MetricSeriesQuery).series(t.projectId, {
      name: 'queue.depth',
      agg: 'sum',
      interval: 'day',
      ...RANGE,
    });
    expect(direct).toEqual(await series(t, { agg: 'sum', interval: 'day' }));
  });

  it('refuses the same ranges as the events time series, and bad parameters, with 400s', async () => {
    const tooMany = await busError(series(t, { interval: 'minute', from: '2026-10-01T00:00:00Z' }));
    expect(tooMany).toMatchObject({ code: BusErrorCode.ValidationFailed });
    expect(tooMany.extra.errors).toEqual([expect.objectContaining({ field: 'interval' })]);
    const reversed = await busError(series(t, { from: '2026-11-05T00:00:00Z' }));
    expect(reversed.extra.errors).toEqual([expect.objectContaining({ field: 'from' })]);
    const badAgg = await busError(series(t, { agg: 'median' as never }));
    expect(badAgg).toMatchObject({ code: BusErrorCode.ValidationFailed });
    const badDirect = bed.service.app.get(MetricSeriesQuery).series(t.projectId, { name: 'no spaces' });
    expect((await busError(badDirect)).extra.errors).toEqual([expect.objectContaining({ field: 'name' })]);
  });

  it("does not answer another organisation's project", async () => {
    const stranger: AnalyticsCaller = { actor: userActor() };
    expect(await busError(series({ projectId: t.projectId, caller: stranger }, {}))).toMatchObject({
      code: BusErrorCode.NotFound,
    });
    const key: AnalyticsCaller = { key: { keyId: randomUUID(), projectId: randomUUID() } };
    expect(
      await busError(
        bed.client.bus.send(AnalyticsSubjects.metricNames, { caller: key, projectId: t.projectId }),
      ),
    ).toMatchObject({ code: BusErrorCode.NotFound });
  });

  it('gives alerts one number over a window: the aggregation of its points, 0 without any', async () => {
    const notifications = new BusClient(
      bed.client.connection,
      TEST_BUS_TIMEOUT_MS,
      testSigner('notifications'),
    );
    const caller: AnalyticsCaller = { service: { name: 'notifications', projectId: t.projectId } };
    const metric = (aggregation: string, range = RANGE) =>
      notifications.send(AnalyticsSubjects.metric, {
        caller,
        projectId: t.projectId,
        metric: 'custom:queue.depth',
        aggregation: aggregation as never,
        ...range,
      });
    expect(await metric('max')).toEqual({ value: 30 });
    expect(await metric('sum')).toEqual({ value: 65 });
    expect(await metric('avg', { from: '2026-11-05T00:00:00Z', to: '2026-11-06T00:00:00Z' })).toEqual({
      value: 0,
    });
    const missing = await busError(
      notifications.send(AnalyticsSubjects.metric, {
        caller,
        projectId: t.projectId,
        metric: 'custom:queue.depth',
        ...RANGE,
      }),
    );
    expect(missing.extra.errors).toEqual([expect.objectContaining({ field: 'aggregation' })]);
  });
});
