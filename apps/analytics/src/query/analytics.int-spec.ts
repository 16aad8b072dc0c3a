import {
  AnalyticsSubjects,
  BusErrorCode,
  type Actor,
  type AnalyticsCaller,
  type AnalyticsEventDto,
  type EventsRequest,
  type TimeseriesRequest,
} from '@northstar/contracts';
import { busError, STAND_IN_PLAN, userActor, type TestProject } from '@northstar/testing';
import { analyticsTestBed } from '../../test/analytics-test-bed';
import { randomUUID } from 'node:crypto';
import { type TestEvent } from '../../test/event-store';

const bed = analyticsTestBed();

const RANGE = { from: '2026-10-24T00:00:00Z', to: '2026-10-27T00:00:00Z' };
const WALLET_A = '0x' + 'a'.repeat(40);
const WALLET_B = '0x' + 'b'.repeat(40);
const CONTRACT = '0x' + 'c'.repeat(40);

// Three people (u1, the anonymous a2, u3) over two days around the end of summer time in Paris
// (2026-10-25 03:00 CEST → 02:00 CET, i.e. 01:00 UTC).
const SIGNED_UP_ID = randomUUID();
const EVENTS: TestEvent[] = [
  {
    type: 'page',
    userId: 'u1',
    sessionId: 's1',
    at: '2026-10-24T10:00:00.100Z',
    pagePath: '/home',
    referrerHost: 'google.com',
    country: 'FR',
    browser: 'Firefox',
    os: 'Linux',
  },
  { eventId: SIGNED_UP_ID, event: 'Signed Up', userId: 'u1', sessionId: 's1', at: '2026-10-24T10:05:00Z' },
  {
    event: 'Purchased',
    userId: 'u1',
    sessionId: 's1',
    at: '2026-10-24T10:30:00Z',
    properties: { plan: "pro 'annual'" },
  },
  // 02:30 CEST and, one hour later, 02:30 CET: the same local time, two different hours.
  { event: 'Signed Up', anonymousId: 'a2', sessionId: 's2', at: '2026-10-25T00:30:00Z' },
  { type: 'page', anonymousId: 'a2', sessionId: 's2', at: '2026-10-25T01:30:00Z', pagePath: '/pricing' },
  {
    type: 'transaction',
    event: 'Swap',
    userId: 'u3',
    sessionId: 's3',
    at: '2026-10-25T22:30:00Z',
    chainId: 1,
    wallet: WALLET_A,
    contract: CONTRACT,
    method: 'swap',
    txStatus: 'success',
  },
  // 00:30 on 26 October in Paris, still the 25th in UTC.
  {
    type: 'transaction',
    event: 'Swap',
    userId: 'u3',
    sessionId: 's3',
    at: '2026-10-25T23:30:00Z',
    chainId: 137,
    wallet: WALLET_B,
    method: 'swap',
    txStatus: 'failed',
  },
];

interface Tenant extends TestProject {
  actor: Actor;
  caller: AnalyticsCaller;
}

async function tenantWithEvents(events: TestEvent[] = EVENTS): Promise<Tenant> {
  const actor = userActor();
  const project = bed.tenancy.project(actor.userId, 'viewer');
  await bed.store.write(project.projectId, events);
  // A redelivered event, written a second time before ClickHouse merges it away.
  const duplicate = events.find((event) => event.eventId === SIGNED_UP_ID);
  if (duplicate) await bed.store.write(project.projectId, [duplicate]);
  return { ...project, actor, caller: { actor } };
}

const summary = (tenant: Tenant, query: Record<string, unknown> = {}) =>
  bed.client.bus.send(AnalyticsSubjects.summary, {
    caller: tenant.caller,
    projectId: tenant.projectId,
    ...RANGE,
    ...query,
  });

const series = (tenant: Tenant, query: Partial<TimeseriesRequest>) =>
  bed.client.bus.send(AnalyticsSubjects.timeseries, {
    caller: tenant.caller,
    projectId: tenant.projectId,
    metric: 'events',
    ...RANGE,
    ...query,
  });

describe.each([
  ['raw events', false],
  ['the roll-ups', true],
])('analytics of one project, checked against the events written, from %s', (_, rolled) => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await tenantWithEvents();
    if (rolled) await bed.rollUp();
  });

  it('summarises events, people, sessions, pageviews and web3 activity, a duplicate counted once', async () => {
    expect(await summary(tenant)).toEqual({
      // People, sessions and wallets of rolled periods are sketches (exact at this size).
      approximate: rolled,
      events: 7,
      users: 3,
      sessions: 3,
      pageviews: 2,
      web3: { transactions: 2, wallets: 2, failedTransactions: 1 },
    });
  });

  it('applies the event, type, chainId and userId filters', async () => {
    expect((await summary(tenant, { event: 'Signed Up' })).events).toBe(2);
    expect((await summary(tenant, { type: 'transaction' })).web3).toEqual({
      transactions: 2,
      wallets: 2,
      failedTransactions: 1,
    });
    expect(await summary(tenant, { chainId: 137 })).toMatchObject({
      events: 1,
      web3: { failedTransactions: 1 },
    });
    expect(await summary(tenant, { userId: 'u1' })).toMatchObject({ events: 3, users: 1, pageviews: 1 });
    // The range is [from, to): the first event at 10:00:00.100 is left out from 10:00:01 on.
    expect((await summary(tenant, { from: '2026-10-24T10:00:01Z' })).events).toBe(6);
  });

  it('answers daily series in UTC, zero-filled', async () => {
    expect(await series(tenant, { interval: 'day' })).toEqual({
      interval: 'day',
      approximate: false,
      points: [
        { t: '2026-10-24T00:00:00.000Z', value: 3 },
        { t: '2026-10-25T00:00:00.000Z', value: 4 },
        { t: '2026-10-26T00:00:00.000Z', value: 0 },
      ],
    });
    expect((await series(tenant, { interval: 'day', metric: 'users' })).points.map((p) => p.value)).toEqual([
      1, 2, 0,
    ]);
    expect((await series(tenant, { interval: 'day', metric: 'wallets' })).points.map((p) => p.value)).toEqual(
      [0, 2, 0],
    );
  });

  it('buckets days in the requested zone, with the 25-hour day of the DST change in Paris', async () => {
    expect(await series(tenant, { interval: 'day', tz: 'Europe/Paris' })).toEqual({
      interval: 'day',
      approximate: false,
      points: [
        { t: '2026-10-23T22:00:00.000Z', value: 3 },
        // 25 October in Paris: from 00:00 CEST (22:00 UTC) to 00:00 CET (23:00 UTC the next day).
        { t: '2026-10-24T22:00:00.000Z', value: 3 },
        { t: '2026-10-25T23:00:00.000Z', value: 1 },
        { t: '2026-10-26T23:00:00.000Z', value: 0 },
      ],
    });
  });

  it('keeps the repeated local hour of the DST change as two hours', async () => {
    const answer = await series(tenant, {
      interval: 'hour',
      tz: 'Europe/Paris',
      from: '2026-10-25T00:00:00Z',
      to: '2026-10-25T03:00:00Z',
    });
    expect(answer.points).toEqual([
      { t: '2026-10-25T00:00:00.000Z', value: 1 },
      { t: '2026-10-25T01:00:00.000Z', value: 1 },
      { t: '2026-10-25T02:00:00.000Z', value: 0 },
    ]);
  });

  it('answers minute buckets', async () => {
    const answer = await series(tenant, {
      interval: 'minute',
      metric: 'pageviews',
      from: '2026-10-24T09:59:00Z',
      to: '2026-10-24T10:02:00Z',
    });
    expect(answer.points.map((point) => point.value)).toEqual([0, 1, 0]);
  });

  it('ranks the top values of a dimension with their counts and people', async () => {
    const top = (dimension: string, limit?: number) =>
      bed.client.bus.send(AnalyticsSubjects.top, {
        caller: tenant.caller,
        projectId: tenant.projectId,
        ...RANGE,
        dimension: dimension as 'event',
        ...(limit && { limit }),
      });
    expect((await top('event')).items).toEqual([
      { value: 'Signed Up', count: 2, users: 2 },
      { value: 'Swap', count: 2, users: 1 },
      { value: 'Purchased', count: 1, users: 1 },
    ]);
    expect((await top('event', 1)).items).toHaveLength(1);
    expect((await top('chain')).items).toEqual([
      { value: '1', count: 1, users: 1 },
      { value: '137', count: 1, users: 1 },
    ]);
    expect((await top('page')).items).toEqual([
      { value: '/home', count: 1, users: 1 },
      { value: '/pricing', count: 1, users: 1 },
    ]);
    expect((await top('referrer')).items).toEqual([{ value: 'google.com', count: 1, users: 1 }]);
    expect((await top('country')).items).toEqual([{ value: 'FR', count: 1, users: 1 }]);
    expect((await top('browser')).items).toEqual([{ value: 'Firefox', count: 1, users: 1 }]);
    expect((await top('os')).items).toEqual([{ value: 'Linux', count: 1, users: 1 }]);
    expect((await top('contract')).items).toEqual([{ value: CONTRACT, count: 1, users: 1 }]);
    expect((await top('method')).items).toEqual([{ value: 'swap', count: 2, users: 1 }]);
  });

  it('counts a funnel of ordered steps within the window', async () => {
    const funnel = (windowSeconds: number) =>
      bed.client.bus.send(AnalyticsSubjects.funnel, {
        caller: tenant.caller,
        projectId: tenant.projectId,
        ...RANGE,
        steps: [{ event: 'Signed Up' }, { event: 'Purchased' }],
        windowSeconds,
      });
    expect(await funnel(3600)).toEqual({
      steps: [
        { event: 'Signed Up', users: 2, conversion: 1 },
        { event: 'Purchased', users: 1, conversion: 0.5 },
      ],
    });
    // u1 purchased 25 minutes after signing up: outside a one-minute window.
    expect((await funnel(60)).steps.map((step) => step.users)).toEqual([2, 0]);
  });

  it('lists the events newest first, page by page, a duplicate once', async () => {
    const seen: AnalyticsEventDto[] = [];
    const pages: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const request: EventsRequest = {
        caller: tenant.caller,
        projectId: tenant.projectId,
        ...RANGE,
        limit: 3,
        ...(cursor && { cursor }),
      };
      const answer = await bed.client.bus.send(AnalyticsSubjects.events, request);
      seen.push(...answer.items);
      pages.push(answer.items.length);
      if (answer.nextCursor === null) break;
      cursor = answer.nextCursor;
    }
    expect(pages).toEqual([3, 3, 1]);
    expect(seen.map((event) => event.timestamp)).toEqual([
      '2026-10-25T23:30:00.000Z',
      '2026-10-25T22:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-24T10:30:00.000Z',
      '2026-10-24T10:05:00.000Z',
      '2026-10-24T10:00:00.100Z',
    ]);
    expect(seen.filter((event) => event.id === SIGNED_UP_ID)).toHaveLength(1);
    expect(seen[4]).toMatchObject({ event: 'Purchased', userId: 'u1', properties: { plan: "pro 'annual'" } });
    expect(seen[0].web3).toMatchObject({ chainId: 137, walletAddress: WALLET_B, status: 'failed' });
  });
});

describe('bad parameters', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await tenantWithEvents([]);
  });

  const fieldsOf = async (request: Promise<unknown>) => {
    const error = await busError(request);
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    return (error.extra.errors ?? []).map((entry) => entry.field);
  };

  it('names the unknown metric, dimension, interval or zone', async () => {
    expect(await fieldsOf(series(tenant, { metric: 'revenue' as 'events' }))).toEqual(['metric']);
    expect(await fieldsOf(series(tenant, { interval: 'week' as 'day' }))).toEqual(['interval']);
    expect(await fieldsOf(series(tenant, { tz: 'Mars/Olympus_Mons' }))).toEqual(['tz']);
    expect(
      await fieldsOf(
        bed.client.bus.send(AnalyticsSubjects.top, {
          caller: tenant.caller,
          projectId: tenant.projectId,
          dimension: 'password' as 'event',
        }),
      ),
    ).toEqual(['dimension']);
  });

  it('refuses malformed dates and a range that ends before it starts', async () => {
    expect(await fieldsOf(summary(tenant, { from: '2026-02-30T00:00:00Z' }))).toEqual(['from']);
    expect(await fieldsOf(summary(tenant, { to: 'yesterday' }))).toEqual(['to']);
    expect(
      await fieldsOf(summary(tenant, { from: '2026-10-26T00:00:00Z', to: '2026-10-25T00:00:00Z' })),
    ).toEqual(['from']);
  });

  it("refuses a range reaching before what the organisation's plan keeps, naming from", async () => {
    const shortLived = await tenantWithEvents([]);
    bed.tenancy.setPlan(shortLived, { ...STAND_IN_PLAN, id: 'short', retentionDays: 30 });
    const day = 86_400_000;
    const startOfToday = Date.now() - (Date.now() % day);
    const kept = new Date(startOfToday - 30 * day).toISOString();
    const gone = new Date(startOfToday - 30 * day - 1000).toISOString();
    const to = new Date().toISOString();
    const error = await busError(summary(shortLived, { from: gone, to }));
    expect(error.extra.errors).toEqual([
      { field: 'from', message: `from must be on or after ${kept}: the plan keeps 30 days of events` },
    ]);
    expect(await fieldsOf(series(shortLived, { from: gone, to }))).toEqual(['from']);
    await expect(summary(shortLived, { from: kept, to })).resolves.toMatchObject({ events: 0 });
    // The same for its keys, and for a project on a plan that keeps more.
    const keyCaller = { key: { keyId: randomUUID(), projectId: shortLived.projectId } };
    expect(
      await fieldsOf(
        bed.client.bus.send(AnalyticsSubjects.summary, {
          caller: keyCaller,
          projectId: shortLived.projectId,
          from: gone,
          to,
        }),
      ),
    ).toEqual(['from']);
    await expect(summary(tenant, { from: gone, to })).resolves.toMatchObject({ events: 0 });
  });

  it('refuses more buckets than a series may have', async () => {
    expect(await fieldsOf(series(tenant, { interval: 'minute' }))).toEqual(['interval']);
  });

  it('refuses a cursor it did not make', async () => {
    expect(
      await fieldsOf(
        bed.client.bus.send(AnalyticsSubjects.events, {
          caller: tenant.caller,
          projectId: tenant.projectId,
          cursor: 'bm90IGEgY3Vyc29y',
        }),
      ),
    ).toEqual(['cursor']);
  });
});

describe('who may read', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await tenantWithEvents();
  });

  it('asks tenancy for analytics:read on the project', async () => {
    await summary(tenant);
    expect(bed.tenancy.checks).toContainEqual({
      actor: tenant.actor,
      projectId: tenant.projectId,
      permission: 'analytics:read',
    });
  });

  it('answers not_found to a member of another organisation, for every query', async () => {
    const stranger: Tenant = { ...tenant, caller: { actor: userActor() } };
    bed.tenancy.project(stranger.caller.actor?.userId ?? '', 'owner');
    expect((await busError(summary(stranger))).code).toBe(BusErrorCode.NotFound);
    expect((await busError(series(stranger, {}))).code).toBe(BusErrorCode.NotFound);
    const events = bed.client.bus.send(AnalyticsSubjects.events, {
      caller: stranger.caller,
      projectId: tenant.projectId,
    });
    expect((await busError(events)).code).toBe(BusErrorCode.NotFound);
  });

  it("lets a key read its own project's analytics, and no other project's", async () => {
    const ownKey: Tenant = {
      ...tenant,
      caller: { key: { keyId: randomUUID(), projectId: tenant.projectId } },
    };
    expect((await summary(ownKey)).events).toBe(7);
    const otherKey: Tenant = { ...tenant, caller: { key: { keyId: randomUUID(), projectId: randomUUID() } } };
    expect((await busError(summary(otherKey))).code).toBe(BusErrorCode.NotFound);
  });

  it('never counts events of another project', async () => {
    const other = await tenantWithEvents(
      EVENTS.slice(0, 2).map((event) => ({ ...event, eventId: undefined })),
    );
    expect((await summary(other)).events).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Values reach ClickHouse only through the literal helper: random strings used as event names and as
// filters must come back byte for byte, and match exactly their own events.

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY = ["'", '"', '\\', '\0', '`', "\\'", "''", '%', '_', '\n', '\r\n', '\t', '--', '/*', ';', '\\N'];

function randomName(random: () => number): string {
  const pick = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  let out = '';
  for (let i = pick(1, 24); i > 0; i--) {
    const kind = pick(0, 5);
    if (kind <= 1) out += TRICKY[pick(0, TRICKY.length - 1)];
    else if (kind === 2) out += String.fromCodePoint(pick(0, 0x1f));
    else if (kind === 3) out += String.fromCodePoint(pick(0x20, 0x7e));
    else if (kind === 4) out += String.fromCodePoint(pick(0x80, 0xd7ff));
    else out += String.fromCodePoint(pick(0x10000, 0x10ffff));
  }
  return out;
}

describe('literal round trip through the queries', () => {
  it('finds events named with random strings (quotes, backslashes, NULs, unicode) by those names', async () => {
    const seed = Number(process.env['FUZZ_SEED']) || Math.floor(Math.random() * 2 ** 32);
    const random = prng(seed);
    const names = [...new Set(Array.from({ length: 40 }, () => randomName(random)))];
    const tenant = await tenantWithEvents(
      names.map((name) => ({ event: name, userId: name, at: '2026-10-24T12:00:00Z' })),
    );

    const top = await bed.client.bus.send(AnalyticsSubjects.top, {
      caller: tenant.caller,
      projectId: tenant.projectId,
      ...RANGE,
      dimension: 'event',
      limit: 100,
    });
    expect({ seed, names: top.items.map((item) => item.value).sort() }).toEqual({
      seed,
      names: [...names].sort(),
    });

    const wrong: string[] = [];
    for (const name of names) {
      const answer = await summary(tenant, { event: name, userId: name });
      if (answer.events !== 1) wrong.push(`${JSON.stringify(name)} -> ${answer.events}`);
    }
    expect({ seed, wrong }).toEqual({ seed, wrong: [] });
  });
});
