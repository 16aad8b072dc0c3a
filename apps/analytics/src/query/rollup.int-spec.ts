import { AnalyticsSubjects, type Actor } from '@northstar/contracts';
import { userActor, type TestProject } from '@northstar/testing';
import { analyticsTestBed } from '../../test/analytics-test-bed';
import { randomUUID } from 'node:crypto';

// The roll-up of closed hours (events_hourly, fed by a materialized view on events) and the project's
// time zone as the default of `tz`.

const bed = analyticsTestBed();

interface Tenant extends TestProject {
  actor: Actor;
}

function tenant(): Tenant {
  const actor = userActor();
  return { ...bed.tenancy.project(actor.userId), actor };
}

const eventsIn = async (who: Tenant, range: { from: string; to: string }, userId?: string) => {
  const summary = await bed.client.bus.send(AnalyticsSubjects.summary, {
    caller: { actor: who.actor },
    projectId: who.projectId,
    ...range,
    ...(userId !== undefined && { userId }),
  });
  return summary.events;
};

/** A row of the roll-up holding an event id that is not in the events table. */
async function rollupOnlyEvent(projectId: string, hour: Date): Promise<void> {
  const seconds = Math.floor(hour.getTime() / 1000);
  await bed.store.client.command({
    query: `INSERT INTO events_hourly SELECT '${projectId}', toDateTime(${seconds}, 'UTC'), 'Ghost',
      'track', 0, 0, uniqExactState(toUUID('${randomUUID()}')), uniqExactIfState('ghost', toUInt8(1)),
      uniqExactIfState('', toUInt8(0)), uniqExactIfState('', toUInt8(0))`,
  });
}

describe('the roll-up of closed hours', () => {
  const RANGE = { from: '2026-11-01T00:00:00Z', to: '2026-11-03T00:00:00Z' };

  it('answers closed hours from the roll-up, and raw events only where it cannot', async () => {
    const who = tenant();
    await bed.store.write(who.projectId, [{ event: 'Signed Up', userId: 'u1', at: '2026-11-01T10:15:00Z' }]);
    await rollupOnlyEvent(who.projectId, new Date('2026-11-01T10:00:00Z'));
    // The id only the roll-up has is counted: the closed hour was not rescanned.
    expect(await eventsIn(who, RANGE)).toBe(2);
    // A userId filter is not a key of the roll-up: raw events answer.
    expect(await eventsIn(who, RANGE, 'u1')).toBe(1);
    // A range that starts mid-hour reads that partial hour raw.
    expect(await eventsIn(who, { from: '2026-11-01T10:10:00Z', to: RANGE.to })).toBe(1);
  });

  it('counts a late event for a closed hour, and a late duplicate once', async () => {
    const who = tenant();
    const first = randomUUID();
    await bed.store.write(who.projectId, [
      { eventId: first, event: 'Signed Up', userId: 'u1', at: '2026-11-01T10:15:00Z' },
      { event: 'Signed Up', userId: 'u2', at: '2026-11-02T10:15:00Z' },
    ]);
    expect(await eventsIn(who, RANGE)).toBe(2);
    await bed.store.write(who.projectId, [
      { event: 'Signed Up', userId: 'u3', at: '2026-11-01T10:40:00Z' },
      { eventId: first, event: 'Signed Up', userId: 'u1', at: '2026-11-01T10:15:00Z' },
    ]);
    expect(await eventsIn(who, RANGE)).toBe(3);
    const series = await bed.client.bus.send(AnalyticsSubjects.timeseries, {
      caller: { actor: who.actor },
      projectId: who.projectId,
      ...RANGE,
      metric: 'users',
      interval: 'day',
      tz: 'UTC',
    });
    expect(series.points.map((point) => point.value)).toEqual([2, 1]);
  });

  it('computes the current hour live from raw events', async () => {
    const who = tenant();
    const now = Date.now();
    const hour = new Date(now - (now % 3_600_000));
    await bed.store.write(who.projectId, [
      { event: 'Now', userId: 'u1', at: new Date(now - 1000).toISOString() },
    ]);
    // A roll-up row for the open hour is not read: only raw events count there.
    await rollupOnlyEvent(who.projectId, hour);
    const range = {
      from: new Date(hour.getTime() - 3_600_000).toISOString(),
      to: new Date(now + 60_000).toISOString(),
    };
    expect(await eventsIn(who, range)).toBe(1);
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

  it("buckets days in the project's zone when the request names none", async () => {
    const who = tenant();
    bed.tenancy.setTimezone(who, 'Europe/Paris');
    // 23:30 UTC on the 10th is 00:30 on the 11th in Paris.
    await bed.store.write(who.projectId, [{ event: 'Late', userId: 'u1', at: '2026-11-10T23:30:00Z' }]);
    expect(await days(who)).toEqual([{ t: '2026-11-10T23:00:00.000Z', value: 1 }]);
    expect(await days(who, 'UTC')).toEqual([{ t: '2026-11-10T00:00:00.000Z', value: 1 }]);
  });

  it('answers zones with half-hour offsets from raw events', async () => {
    const who = tenant();
    bed.tenancy.setTimezone(who, 'Asia/Kolkata');
    // 19:00 UTC is 00:30 on the next day in India (UTC+05:30).
    await bed.store.write(who.projectId, [{ event: 'Late', userId: 'u1', at: '2026-11-10T19:00:00Z' }]);
    expect(await days(who)).toEqual([{ t: '2026-11-10T18:30:00.000Z', value: 1 }]);
  });
});
