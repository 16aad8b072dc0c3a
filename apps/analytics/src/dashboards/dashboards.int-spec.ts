import { EntityManager } from '@mikro-orm/postgresql';
import {
  AnalyticsSubjects,
  BusErrorCode,
  DashboardsSubjects,
  TenancyEvents,
  type Actor,
  type DashboardDto,
  type InsightDto,
  type InsightKind,
  type MetricSeriesResponse,
} from '@northstar/contracts';
import { busError, eventually, testEventPublisher, userActor, type TestProject } from '@northstar/testing';
import { analyticsTestBed } from '../../test/analytics-test-bed';
import { Dashboard } from './dashboard.entity';
import { Insight } from './insight.entity';
import { shareTokenHash } from './dashboards.service';

// Saved insights and dashboards over the bus, as the gateway asks for them: tenancy's roles (viewers
// read, members edit), the project boundary of a dashboard's items, evaluation equal to the query
// routes, per-item errors, and share links kept as hashes only.

const bed = analyticsTestBed();

const RANGE = { from: '2026-11-10T00:00:00Z', to: '2026-11-12T00:00:00Z' };

const PARAMS: Record<InsightKind, Record<string, unknown>> = {
  summary: { ...RANGE },
  timeseries: { ...RANGE, metric: 'events', interval: 'day' },
  top: { ...RANGE, dimension: 'event', limit: '5' },
  funnel: { ...RANGE, steps: [{ event: 'Signed Up' }, { event: 'Purchased' }], windowSeconds: 86_400 },
  metric: { name: 'cpu.load', agg: 'p95', interval: 'hour' },
};

interface Team {
  project: TestProject;
  owner: Actor;
  member: Actor;
  viewer: Actor;
}

function team(): Team {
  const owner = userActor();
  const member = userActor();
  const viewer = userActor();
  const project = bed.tenancy.organisation(owner.userId, member.userId);
  bed.tenancy.addMember(project, viewer.userId, 'viewer');
  return { project, owner, member, viewer };
}

const createInsight = (actor: Actor, projectId: string, kind: InsightKind, name = `${kind} insight`) =>
  bed.client.bus.send(DashboardsSubjects.createInsight, {
    actor,
    projectId,
    name,
    kind,
    params: PARAMS[kind],
  });

describe('saved insights and dashboards', () => {
  let t: Team;
  const insights = {} as Record<InsightKind, InsightDto>;

  beforeAll(async () => {
    t = team();
    await bed.store.write(t.project.projectId, [
      { event: 'Signed Up', userId: 'u1', at: '2026-11-10T09:00:00Z' },
      { event: 'Purchased', userId: 'u1', at: '2026-11-10T10:00:00Z' },
      { event: 'Signed Up', userId: 'u2', at: '2026-11-11T09:00:00Z' },
      { event: '=cmd|calc', userId: 'u2', at: '2026-11-11T10:00:00Z' },
    ]);
    for (const kind of ['summary', 'timeseries', 'top', 'funnel', 'metric'] as const) {
      insights[kind] = await createInsight(t.member, t.project.projectId, kind);
    }
  });

  it('stores each kind with its params normalised as the query route takes them', () => {
    expect(insights.top.params).toEqual({ ...RANGE, dimension: 'event', limit: 5 });
    expect(insights.funnel.params).toMatchObject({ steps: [{ event: 'Signed Up' }, { event: 'Purchased' }] });
    expect(insights.metric).toMatchObject({ kind: 'metric', params: PARAMS.metric });
  });

  it("refuses params the kind's route would refuse, naming the field", async () => {
    const refusals = await Promise.all([
      busError(
        bed.client.bus.send(DashboardsSubjects.createInsight, {
          actor: t.member,
          projectId: t.project.projectId,
          name: 'x',
          kind: 'top',
          params: { dimension: 'colour' },
        }),
      ),
      busError(
        bed.client.bus.send(DashboardsSubjects.createInsight, {
          actor: t.member,
          projectId: t.project.projectId,
          name: 'x',
          kind: 'funnel',
          params: { steps: [{ event: 'only one' }], windowSeconds: 60 },
        }),
      ),
      busError(
        bed.client.bus.send(DashboardsSubjects.createInsight, {
          actor: t.member,
          projectId: t.project.projectId,
          name: 'x',
          kind: 'summary',
          params: { unknown: 1 },
        }),
      ),
      busError(
        bed.client.bus.send(DashboardsSubjects.updateInsight, {
          actor: t.member,
          insightId: insights.timeseries.id,
          params: { metric: 'nope' },
        }),
      ),
    ]);
    for (const error of refusals) expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(JSON.stringify(refusals[0].extra.errors)).toContain('params.dimension');
    expect(JSON.stringify(refusals[3].extra.errors)).toContain('params.metric');
  });

  it('lets viewers read and members edit; viewers cannot change anything', async () => {
    const listed = await bed.client.bus.send(DashboardsSubjects.listInsights, {
      actor: t.viewer,
      projectId: t.project.projectId,
    });
    expect(listed.items.map((insight) => insight.id)).toEqual(
      expect.arrayContaining(Object.values(insights).map((insight) => insight.id)),
    );
    const refused = await Promise.all([
      busError(createInsight(t.viewer, t.project.projectId, 'summary')),
      busError(
        bed.client.bus.send(DashboardsSubjects.updateInsight, {
          actor: t.viewer,
          insightId: insights.summary.id,
          name: 'Renamed',
        }),
      ),
      busError(
        bed.client.bus.send(DashboardsSubjects.deleteInsight, {
          actor: t.viewer,
          insightId: insights.summary.id,
        }),
      ),
      busError(
        bed.client.bus.send(DashboardsSubjects.createDashboard, {
          actor: t.viewer,
          projectId: t.project.projectId,
          name: 'D',
          items: [],
        }),
      ),
    ]);
    expect(refused.map((error) => error.code)).toEqual(Array(4).fill(BusErrorCode.Forbidden));
    const renamed = await bed.client.bus.send(DashboardsSubjects.updateInsight, {
      actor: t.member,
      insightId: insights.summary.id,
      name: 'Totals',
    });
    expect(renamed).toMatchObject({ name: 'Totals', kind: 'summary' });
  });

  it("hides another organisation's insights and dashboards as not found", async () => {
    const stranger = team();
    const errors = await Promise.all([
      busError(
        bed.client.bus.send(DashboardsSubjects.getInsight, {
          actor: stranger.owner,
          insightId: insights.top.id,
        }),
      ),
      busError(
        bed.client.bus.send(DashboardsSubjects.insightData, {
          actor: stranger.owner,
          insightId: insights.top.id,
        }),
      ),
      busError(
        bed.client.bus.send(DashboardsSubjects.listInsights, {
          actor: stranger.owner,
          projectId: t.project.projectId,
        }),
      ),
    ]);
    expect(errors.map((error) => error.code)).toEqual(Array(3).fill(BusErrorCode.NotFound));
  });

  it("refuses a dashboard item that is another project's insight, even of the same organisation", async () => {
    const sibling = bed.tenancy.sibling(t.project);
    const foreign = await createInsight(t.owner, sibling.projectId, 'summary');
    const error = await busError(
      bed.client.bus.send(DashboardsSubjects.createDashboard, {
        actor: t.member,
        projectId: t.project.projectId,
        name: 'Mixed',
        items: [
          { insightId: insights.summary.id, position: 0 },
          { insightId: foreign.id, position: 1 },
        ],
      }),
    );
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors).toEqual([{ field: 'items.1.insightId', message: expect.any(String) }]);
  });

  describe('a dashboard', () => {
    let dashboard: DashboardDto;
    let minuteDashboard: DashboardDto;

    beforeAll(async () => {
      dashboard = await bed.client.bus.send(DashboardsSubjects.createDashboard, {
        actor: t.member,
        projectId: t.project.projectId,
        name: 'Growth',
        // Given out of order: kept by position.
        items: (['metric', 'funnel', 'top', 'timeseries', 'summary'] as const).map((kind, index) => ({
          insightId: insights[kind].id,
          position: 10 - index,
        })),
        timezone: 'Europe/Paris',
      });
      const minutes = await bed.client.bus.send(DashboardsSubjects.createInsight, {
        actor: t.member,
        projectId: t.project.projectId,
        name: 'cpu per minute',
        kind: 'metric',
        params: { name: 'cpu.load', agg: 'max', interval: 'minute' },
      });
      minuteDashboard = await bed.client.bus.send(DashboardsSubjects.createDashboard, {
        actor: t.member,
        projectId: t.project.projectId,
        name: 'Minutes',
        items: [{ insightId: minutes.id, position: 0 }],
      });
    });

    it('keeps the items by position', () => {
      expect(dashboard.items.map((item) => item.insightId)).toEqual(
        (['summary', 'timeseries', 'top', 'funnel', 'metric'] as const).map((kind) => insights[kind].id),
      );
      expect(dashboard).toMatchObject({ timezone: 'Europe/Paris', range: null, shared: false });
    });

    it('evaluates every insight as its query route answers, a custom metric series too, and a failing one as its own error', async () => {
      const caller = { actor: t.viewer };
      const projectId = t.project.projectId;
      const [data, summary, series, top, funnel] = await Promise.all([
        bed.client.bus.send(DashboardsSubjects.dashboardData, { actor: t.viewer, dashboardId: dashboard.id }),
        bed.client.bus.send(AnalyticsSubjects.summary, { ...RANGE, caller, projectId }),
        bed.client.bus.send(AnalyticsSubjects.timeseries, {
          ...RANGE,
          metric: 'events',
          interval: 'day',
          tz: 'Europe/Paris',
          caller,
          projectId,
        }),
        bed.client.bus.send(AnalyticsSubjects.top, {
          ...RANGE,
          dimension: 'event',
          limit: 5,
          caller,
          projectId,
        }),
        bed.client.bus.send(AnalyticsSubjects.funnel, {
          ...RANGE,
          steps: [{ event: 'Signed Up' }, { event: 'Purchased' }],
          windowSeconds: 86_400,
          caller,
          projectId,
        }),
      ]);
      expect(data.items.slice(0, 4).map((item) => item.data)).toEqual([summary, series, top, funnel]);
      expect(summary.events).toBe(4);
      // A custom metric without points: its zero-filled series over the default 7 days, hour by hour.
      const metric = data.items[4].data as MetricSeriesResponse;
      expect(metric).toMatchObject({ name: 'cpu.load', agg: 'p95', interval: 'hour' });
      expect(metric.points?.length).toBeGreaterThanOrEqual(168);
      expect(metric.points?.every((point) => point.value === 0)).toBe(true);
      // An insight its range does not suit (minutes over 7 days) is an error of its own item.
      const failing = await bed.client.bus.send(DashboardsSubjects.dashboardData, {
        actor: t.viewer,
        dashboardId: minuteDashboard.id,
      });
      expect(failing.items[0].error).toMatchObject({ code: BusErrorCode.ValidationFailed });
    });

    it('takes from, to and tz from the request over the dashboard and the insights', async () => {
      const data = await bed.client.bus.send(DashboardsSubjects.dashboardData, {
        actor: t.viewer,
        dashboardId: dashboard.id,
        from: '2026-11-11T00:00:00Z',
        to: '2026-11-12T00:00:00Z',
        tz: 'UTC',
      });
      expect(data.items[0].data).toMatchObject({ events: 2 });
      expect(data.items[1].data).toMatchObject({ points: [{ t: '2026-11-11T00:00:00.000Z', value: 2 }] });
    });

    it('gives CSV of an insight, with text that looks like a formula made inert', async () => {
      const { filename, csv } = await bed.client.bus.send(DashboardsSubjects.insightCsv, {
        actor: t.viewer,
        insightId: insights.top.id,
      });
      expect(filename).toBe('top-insight.csv');
      expect(csv.split('\r\n')[0]).toBe('value,count,users');
      expect(csv).toContain(`"'=cmd|calc",1,1`);
    });

    it('shares by a token kept only as its hash, which a new link or a revocation voids', async () => {
      const viewerTry = await busError(
        bed.client.bus.send(DashboardsSubjects.share, { actor: t.viewer, dashboardId: dashboard.id }),
      );
      expect(viewerTry.code).toBe(BusErrorCode.Forbidden);

      const first = await bed.client.bus.send(DashboardsSubjects.share, {
        actor: t.member,
        dashboardId: dashboard.id,
      });
      expect(first.token).toMatch(/^nsd_[A-Za-z0-9_-]{43}$/);
      expect(first.path).toBe(`/v1/shared/dashboards/${first.token}`);
      const em = bed.service.app.get(EntityManager).fork();
      const stored = await em.findOneOrFail(Dashboard, { id: dashboard.id });
      expect(stored.shareTokenHash).toBe(shareTokenHash(first.token));
      expect(JSON.stringify(stored)).not.toContain(first.token);

      const shared = await bed.client.bus.send(DashboardsSubjects.shared, { token: first.token });
      expect(shared).toMatchObject({ name: 'Growth', timezone: 'Europe/Paris' });
      expect(shared.items.map((item) => [item.name, item.kind])).toEqual([
        ['Totals', 'summary'],
        ['timeseries insight', 'timeseries'],
        ['top insight', 'top'],
        ['funnel insight', 'funnel'],
        ['metric insight', 'metric'],
      ]);
      expect(shared.items[0].data).toMatchObject({ events: 4 });
      // Nothing that names the organisation, the project, the insights or anyone.
      const text = JSON.stringify(shared);
      for (const id of [
        t.project.orgId,
        t.project.projectId,
        dashboard.id,
        insights.top.id,
        t.member.userId,
      ]) {
        expect(text).not.toContain(id);
      }

      const second = await bed.client.bus.send(DashboardsSubjects.share, {
        actor: t.member,
        dashboardId: dashboard.id,
      });
      expect(
        (await busError(bed.client.bus.send(DashboardsSubjects.shared, { token: first.token }))).code,
      ).toBe(BusErrorCode.NotFound);
      await bed.client.bus.send(DashboardsSubjects.shared, { token: second.token });
      await bed.client.bus.send(DashboardsSubjects.unshare, { actor: t.member, dashboardId: dashboard.id });
      expect(
        (await busError(bed.client.bus.send(DashboardsSubjects.shared, { token: second.token }))).code,
      ).toBe(BusErrorCode.NotFound);
      expect(
        (await busError(bed.client.bus.send(DashboardsSubjects.shared, { token: 'nsd_guess-guess' }))).code,
      ).toBe(BusErrorCode.NotFound);
    });

    it('drops a deleted insight from the dashboards', async () => {
      const doomed = await createInsight(t.member, t.project.projectId, 'summary', 'Doomed');
      const withDoomed = await bed.client.bus.send(DashboardsSubjects.updateDashboard, {
        actor: t.member,
        dashboardId: dashboard.id,
        items: [...dashboard.items, { insightId: doomed.id, position: 99 }],
      });
      expect(withDoomed.items).toHaveLength(6);
      await bed.client.bus.send(DashboardsSubjects.deleteInsight, { actor: t.member, insightId: doomed.id });
      const after = await bed.client.bus.send(DashboardsSubjects.getDashboard, {
        actor: t.viewer,
        dashboardId: dashboard.id,
      });
      expect(after.items).toEqual(dashboard.items);
    });
  });

  it("forgets a deleted project's insights and dashboards (at least once)", async () => {
    const doomed = team();
    const insight = await createInsight(doomed.member, doomed.project.projectId, 'summary');
    const board = await bed.client.bus.send(DashboardsSubjects.createDashboard, {
      actor: doomed.member,
      projectId: doomed.project.projectId,
      name: 'Doomed',
      items: [{ insightId: insight.id, position: 0 }],
    });
    const publisher = testEventPublisher(bed.client.connection, 'tenancy');
    const event = { ...doomed.project, deletedAt: new Date().toISOString() };
    await publisher.publish(TenancyEvents.projectDeleted, event);
    await publisher.publish(TenancyEvents.projectDeleted, event);
    const em = bed.service.app.get(EntityManager);
    await eventually(async () => {
      expect(await em.fork().count(Insight, { projectId: doomed.project.projectId })).toBe(0);
      expect(await em.fork().count(Dashboard, { id: board.id })).toBe(0);
    });
    // Another project's are untouched.
    expect(await em.fork().count(Insight, { projectId: t.project.projectId })).toBeGreaterThan(0);
  });
});
