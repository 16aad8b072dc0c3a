import { AnalyticsSubjects, type Actor } from '@northstar/contracts';
import { userActor, type TestProject } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { analyticsTestBed } from '../../test/analytics-test-bed';
import type { TestEvent } from '../../test/event-store';
import type { AnalyticsConfig } from '../config';
import { RollupJob } from '../rollup/rollup-job';
import { MetricsService } from '@northstar/observability';

// The roll-ups of closed hours and days (filled by the roll-up job from de-duplicated raw events) against
// the raw events they summarise, and the project's time zone as the default of `tz`.

const bed = analyticsTestBed();

interface Tenant extends TestProject {
  actor: Actor;
}

function tenant(): Tenant {
  const actor = userActor();
  return { ...bed.tenancy.project(actor.userId), actor };
}

const rollUp = () => bed.rollUp();

const summaryOf = (who: Tenant, range: { from: string; to: string }, extra: Record<string, unknown> = {}) =>
  bed.client.bus.send(AnalyticsSubjects.summary, {
    caller: { actor: who.actor },
    projectId: who.projectId,
    ...range,
    ...extra,
  });

/** A deterministic spread of events over three days: pages, track events and transactions. */
function generated(count: number, seed: number, day0 = Date.parse('2026-10-05T00:00:00Z')): TestEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const n = index * 7919 + seed;
    const kind = n % 10;
    const at = new Date(day0 + ((n * 104_729) % (3 * 86_400_000))).toISOString();
    const person = n % 3 === 0 ? { anonymousId: `anon-${n % 401}` } : { userId: `user-${n % 733}` };
    const common = { ...person, sessionId: `s-${n % 1201}`, at, country: ['FR', 'US', 'DE'][n % 3] };
    if (kind < 5)
      return { ...common, type: 'page', pagePath: `/p/${n % 37}`, referrerHost: n % 4 ? 'x.com' : '' };
    if (kind < 8) return { ...common, type: 'track', event: ['Signed Up', 'Viewed', 'Bought'][n % 3] };
    return {
      ...common,
      type: 'transaction',
      event: 'Swap',
      chainId: [1, 137][n % 2],
      wallet: `0x${(n % 97).toString(16)}`,
      txStatus: n % 5 === 0 ? 'failed' : 'success',
    };
  });
}

/** |estimate - exact| within the sketch's stated error (1%), and at most 1 for small counts. */
function expectClose(estimate: number, exact: number): void {
  expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(Math.max(1, Math.ceil(exact * 0.01)));
}

describe('the roll-ups', () => {
  const RANGE = { from: '2026-10-04T12:00:00Z', to: '2026-10-08T06:30:00Z' };

  it('give the counts of the raw events, duplicates and late events included', async () => {
    const who = tenant();
    const events = generated(3000, 1);
    const ids = await bed.store.write(who.projectId, events);
    // Redelivered before ClickHouse merged them away: 150 events stored twice.
    await bed.store.write(
      who.projectId,
      events.slice(0, 150).map((event, index) => ({ ...event, eventId: ids[index] })),
    );
    await rollUp();

    const rolled = await summaryOf(who, RANGE);
    const exact = await summaryOf(who, RANGE, { exact: true });
    expect(rolled.approximate).toBe(true);
    expect(exact.approximate).toBe(false);
    expect(exact.events).toBe(3000);
    expect({
      ...rolled,
      users: 0,
      sessions: 0,
      web3: { ...rolled.web3, wallets: 0 },
      approximate: false,
    }).toEqual({
      ...exact,
      users: 0,
      sessions: 0,
      web3: { ...exact.web3, wallets: 0 },
    });
    expectClose(rolled.users, exact.users);
    expectClose(rolled.sessions, exact.sessions);
    expectClose(rolled.web3.wallets, exact.web3.wallets);

    // A late event for a rolled hour, and a late duplicate: counted at once (the hour is read raw until
    // it is rolled again), and the same after.
    const late: TestEvent = {
      type: 'page',
      userId: 'late-user',
      pagePath: '/late',
      at: '2026-10-05T10:15:00Z',
    };
    await bed.store.write(who.projectId, [late, { ...events[0], eventId: ids[0] }]);
    const fresh = await summaryOf(who, RANGE);
    expect(fresh.events).toBe(3001);
    expect(fresh.pageviews).toBe(exact.pageviews + 1);
    await rollUp();
    const rerolled = await summaryOf(who, RANGE);
    expect(rerolled).toEqual(fresh);
    expect(rerolled.approximate).toBe(true);
  });

  it('roll a period written since it was rolled again only once it has been quiet for the re-roll wait', async () => {
    const who = tenant();
    await bed.store.write(who.projectId, [{ event: 'First', userId: 'u1', at: '2026-10-06T10:15:00Z' }]);
    await rollUp();
    const versions = async () => {
      const result = await bed.store.client.query({
        query: `SELECT toString(grain) AS grain, max(version) AS v FROM rollup_state
          WHERE project_id = '${who.projectId}' GROUP BY grain ORDER BY grain`,
        format: 'JSONEachRow',
      });
      return result.json();
    };
    const rolled = await versions();
    await bed.store.write(who.projectId, [{ event: 'Late', userId: 'u2', at: '2026-10-06T10:20:00Z' }]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The configured waits (ANALYTICS_ROLLUP_REROLL_SECONDS, 600 s): not rolled again yet...
    await bed.service.app.get(RollupJob).runOnce();
    expect(await versions()).toEqual(rolled);
    // ...and read raw meanwhile: the late event counts.
    expect((await summaryOf(who, RANGE)).events).toBe(2);
  });

  it('count each event once when two replicas roll the same periods at once', async () => {
    const who = tenant();
    await bed.store.write(who.projectId, generated(500, 3));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const config = {
      ANALYTICS_ROLLUP_SETTLE_SECONDS: 0,
      ANALYTICS_ROLLUP_REROLL_SECONDS: 0,
    } as AnalyticsConfig;
    const replicas = [1, 2].map(() => new RollupJob(bed.store.client, config, new MetricsService()));
    await Promise.all(replicas.map((job) => job.runOnce(0)));
    const rolled = await summaryOf(who, RANGE);
    expect(rolled.approximate).toBe(true);
    expect(rolled.events).toBe(500);
    expect(rolled.events).toBe((await summaryOf(who, RANGE, { exact: true })).events);
  });

  it('serve time series and top lists with the counts of the raw events', async () => {
    const who = tenant();
    const events = generated(2000, 2);
    const ids = await bed.store.write(who.projectId, events);
    await bed.store.write(who.projectId, [{ ...events[5], eventId: ids[5] }]);
    await rollUp();
    for (const [metric, interval, tz] of [
      ['events', 'day', 'UTC'],
      ['pageviews', 'hour', 'UTC'],
      ['users', 'day', 'Europe/Paris'],
      ['wallets', 'hour', 'UTC'],
      // Local days start at hh:30 UTC: the hour each bucket boundary cuts is read raw.
      ['events', 'day', 'Asia/Kolkata'],
      ['users', 'day', 'Asia/Kolkata'],
    ] as const) {
      const ask = (exact: boolean) =>
        bed.client.bus.send(AnalyticsSubjects.timeseries, {
          caller: { actor: who.actor },
          projectId: who.projectId,
          ...RANGE,
          metric,
          interval,
          tz,
          exact,
        });
      const [rolled, exact] = [await ask(false), await ask(true)];
      expect(rolled.points.map((point) => point.t)).toEqual(exact.points.map((point) => point.t));
      rolled.points.forEach((point, index) => expectClose(point.value, exact.points[index].value));
      expect(rolled.approximate).toBe(metric === 'users' || metric === 'wallets');
    }
    for (const dimension of ['page', 'country', 'event', 'chain'] as const) {
      const ask = (exact: boolean) =>
        bed.client.bus.send(AnalyticsSubjects.top, {
          caller: { actor: who.actor },
          projectId: who.projectId,
          ...RANGE,
          dimension,
          limit: 5,
          exact,
        });
      const [rolled, exact] = [await ask(false), await ask(true)];
      expect(rolled.approximate).toBe(true);
      expect(rolled.items.map(({ value, count }) => ({ value, count }))).toEqual(
        exact.items.map(({ value, count }) => ({ value, count })),
      );
      rolled.items.forEach((item, index) => expectClose(item.users, exact.items[index].users));
    }
  });

  it('are what closed periods are read from: rows the roll-up holds are counted without rescanning', async () => {
    const who = tenant();
    await bed.store.write(who.projectId, [{ event: 'Signed Up', userId: 'u1', at: '2026-10-05T10:15:00Z' }]);
    await rollUp();
    // A row the events table does not have, at the rolled version: only the roll-up knows it.
    await bed.store.client.command({
      query: `INSERT INTO rollup_counts (project_id, grain, period, version, type, event, events)
        SELECT project_id, grain, period, version, 'track', 'Ghost', 1 FROM rollup_state
        WHERE project_id = '${who.projectId}'`,
    });
    expect((await summaryOf(who, RANGE)).events).toBe(2);
    // exact=true and a userId filter read raw events.
    expect((await summaryOf(who, RANGE, { exact: true })).events).toBe(1);
    expect((await summaryOf(who, RANGE, { userId: 'u1' })).events).toBe(1);
    // A range that starts mid-hour reads that partial hour raw: the ghost's hour and day are not used.
    expect((await summaryOf(who, { from: '2026-10-05T10:10:00Z', to: RANGE.to })).events).toBe(1);
  });

  it('computes the current hour live from raw events', async () => {
    const who = tenant();
    const now = Date.now();
    await bed.store.write(who.projectId, [
      { event: 'Now', userId: 'u1', at: new Date(now - 1000).toISOString() },
    ]);
    await rollUp();
    const range = {
      from: new Date(now - 2 * 3_600_000).toISOString(),
      to: new Date(now + 60_000).toISOString(),
    };
    const summary = await summaryOf(who, range);
    expect(summary.events).toBe(1);
    // Nothing closed to roll: exact, from raw events.
    expect(summary.approximate).toBe(false);
  });

  it('answers funnels from the funnel table as raw events would', async () => {
    const who = tenant();
    const journey = (person: string, steps: string[], start: number): TestEvent[] =>
      steps.map((event, index) => ({
        type: 'track',
        event,
        userId: person,
        at: new Date(start + index * 60_000).toISOString(),
      }));
    const day = Date.parse('2026-10-06T08:00:00Z');
    await bed.store.write(who.projectId, [
      ...journey('a', ['Signed Up', 'Viewed', 'Bought'], day),
      ...journey('b', ['Signed Up', 'Viewed'], day),
      ...journey('c', ['Viewed', 'Signed Up'], day),
      ...journey('d', ['Signed Up', 'Bought', 'Viewed'], day),
      // Out of the window of one hour.
      ...journey('e', ['Signed Up'], day),
      ...journey('e', ['Viewed'], day + 2 * 3_600_000),
    ]);
    const ask = (filters: Record<string, unknown>) =>
      bed.client.bus.send(AnalyticsSubjects.funnel, {
        caller: { actor: who.actor },
        projectId: who.projectId,
        ...RANGE,
        ...filters,
        steps: [{ event: 'Signed Up' }, { event: 'Viewed' }, { event: 'Bought' }],
        windowSeconds: 3600,
      });
    const fromTable = await ask({});
    expect(fromTable.steps.map((step) => step.users)).toEqual([5, 3, 1]);
    // A filter reads raw events: the same people.
    expect(await ask({ type: 'track' })).toEqual(fromTable);
  });

  it('lists the newest events first, across the windows it searches', async () => {
    const who = tenant();
    const now = Date.now();
    // One in the last hour, one a few days back, one three weeks back.
    await bed.store.write(who.projectId, [
      { event: 'Recent', at: new Date(now - 60_000).toISOString(), eventId: randomUUID() },
      { event: 'Days', at: new Date(now - 3 * 86_400_000).toISOString() },
      { event: 'Weeks', at: new Date(now - 21 * 86_400_000).toISOString() },
    ]);
    const list = (limit: number, cursor?: string) =>
      bed.client.bus.send(AnalyticsSubjects.events, {
        caller: { actor: who.actor },
        projectId: who.projectId,
        from: new Date(now - 30 * 86_400_000).toISOString(),
        to: new Date(now + 1000).toISOString(),
        limit,
        ...(cursor !== undefined && { cursor }),
      });
    expect((await list(10)).items.map((event) => event.event)).toEqual(['Recent', 'Days', 'Weeks']);
    const first = await list(2);
    expect(first.items.map((event) => event.event)).toEqual(['Recent', 'Days']);
    const second = await list(2, first.nextCursor ?? undefined);
    expect(second.items.map((event) => event.event)).toEqual(['Weeks']);
    expect(second.nextCursor).toBeNull();
  });
});

describe("the project's time zone", () => {
  const RANGE = { from: '2026-11-09T00:00:00Z', to: '2026-11-12T00:00:00Z' };
  const days = async (who: Tenant, tz?: string) => {
    const series = await bed.client.bus.send(AnalyticsSubjects.timeseries, {
      caller: { actor: who.actor },
      projectId: who.projectId,
      ...RANGE,
      metric: 'events',
      interval: 'day',
      ...(tz !== undefined && { tz }),
    });
    return series.points.filter((point) => point.value > 0);
  };

  it("buckets days in the project's zone when the request names none, rolled up or not", async () => {
    const who = tenant();
    bed.tenancy.setTimezone(who, 'Europe/Paris');
    // 23:30 UTC on the 10th is 00:30 on the 11th in Paris.
    await bed.store.write(who.projectId, [{ event: 'Late', userId: 'u1', at: '2026-11-10T23:30:00Z' }]);
    expect(await days(who)).toEqual([{ t: '2026-11-10T23:00:00.000Z', value: 1 }]);
    expect(await days(who, 'UTC')).toEqual([{ t: '2026-11-10T00:00:00.000Z', value: 1 }]);
    await rollUp();
    expect(await days(who)).toEqual([{ t: '2026-11-10T23:00:00.000Z', value: 1 }]);
    expect(await days(who, 'UTC')).toEqual([{ t: '2026-11-10T00:00:00.000Z', value: 1 }]);
  });

  it('buckets days of a zone with a half-hour offset, the hour a boundary cuts read raw', async () => {
    const who = tenant();
    bed.tenancy.setTimezone(who, 'Asia/Kolkata');
    // 19:00 UTC is 00:30 on the next day in India (UTC+05:30).
    await bed.store.write(who.projectId, [{ event: 'Late', userId: 'u1', at: '2026-11-10T19:00:00Z' }]);
    await rollUp();
    expect(await days(who)).toEqual([{ t: '2026-11-10T18:30:00.000Z', value: 1 }]);
  });
});
