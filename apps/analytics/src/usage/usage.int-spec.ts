import { keysService } from '../../test/neighbours';
import {
  AnalyticsSubjects,
  BusErrorCode,
  KeysSubjects,
  type Actor,
  type KeyUsageEntry,
  type VerifyCode,
} from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  busError,
  connectTestBus,
  startTestService,
  userActor,
  type TestBus,
  TenancyStandIn,
  type TestProject,
} from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { openEventStore, type EventStore } from '../../test/event-store';
import { analyticsService } from '../analytics.service-definition';

// Usage over the real bus: the real keys service records and answers key requests (with tenancy
// stood in), analytics combines them with the events in ClickHouse.

let services: RunningService[] = [];
let client: TestBus;
let tenancy: TenancyStandIn;
let store: EventStore;

beforeAll(async () => {
  store = await openEventStore();
  client = await connectTestBus();
  tenancy = new TenancyStandIn(client.connection);
  await tenancy.start();
  services = [await startTestService(keysService), await startTestService(analyticsService)];
});

afterAll(async () => {
  for (const service of services) await service.close();
  tenancy?.stop();
  await client?.close();
  await store?.close();
});

interface Tenant extends TestProject {
  actor: Actor;
}

function tenant(): Tenant {
  const actor = userActor();
  return { ...tenancy.project(actor.userId, 'admin'), actor };
}

async function createKey(owner: Tenant): Promise<string> {
  const key = await client.bus.send(KeysSubjects.create, {
    actor: owner.actor,
    projectId: owner.projectId,
    name: 'usage',
    scopes: ['rpc', 'events:write'],
  });
  return key.id;
}

async function record(entries: Omit<KeyUsageEntry, 'lastUsedAt'>[]): Promise<void> {
  await client.bus.send(KeysSubjects.recordUsage, {
    batchId: randomUUID(),
    entries: entries.map((entry) => ({ ...entry, lastUsedAt: entry.hour })),
  });
}

describe('key usage', () => {
  it('answers the requests of a key by chain and by hour or day, zero-filled', async () => {
    const owner = tenant();
    const keyId = await createKey(owner);
    const other = await createKey(owner);
    await record([
      { keyId, hour: '2026-11-10T09:00:00Z', requests: 5, chain: 'ethereum' },
      { keyId, hour: '2026-11-10T09:00:00Z', requests: 2 },
      { keyId, hour: '2026-11-10T11:00:00Z', requests: 4, chain: 'polygon' },
      { keyId, hour: '2026-11-11T23:00:00Z', requests: 1, chain: 'ethereum' },
      // Another key of the project, and one of this key outside the range: neither counts.
      { keyId: other, hour: '2026-11-10T09:00:00Z', requests: 50, chain: 'ethereum' },
      { keyId, hour: '2026-11-12T00:00:00Z', requests: 70, chain: 'ethereum' },
    ]);

    const byDay = await client.bus.send(AnalyticsSubjects.keyUsage, {
      actor: owner.actor,
      keyId,
      from: '2026-11-10T00:00:00Z',
      to: '2026-11-12T00:00:00Z',
    });
    expect(byDay).toEqual({
      keyId,
      projectId: owner.projectId,
      from: '2026-11-10T00:00:00.000Z',
      to: '2026-11-12T00:00:00.000Z',
      interval: 'day',
      total: 12,
      byChain: [
        { chain: 'ethereum', count: 6 },
        { chain: 'polygon', count: 4 },
        { chain: null, count: 2 },
      ],
      points: [
        { t: '2026-11-10T00:00:00.000Z', value: 11 },
        { t: '2026-11-11T00:00:00.000Z', value: 1 },
      ],
      rpc: null,
    });

    const byHour = await client.bus.send(AnalyticsSubjects.keyUsage, {
      actor: owner.actor,
      keyId,
      // Rounded to whole hours: 09:00 to 12:00.
      from: '2026-11-10T09:30:00Z',
      to: '2026-11-10T11:10:00Z',
      interval: 'hour',
    });
    expect(byHour).toMatchObject({
      from: '2026-11-10T09:00:00.000Z',
      to: '2026-11-10T12:00:00.000Z',
      total: 11,
      points: [
        { t: '2026-11-10T09:00:00.000Z', value: 7 },
        { t: '2026-11-10T10:00:00.000Z', value: 0 },
        { t: '2026-11-10T11:00:00.000Z', value: 4 },
      ],
    });
  });

  it('shows the verifications of RPC proxies by chain and method, a batch sent twice counted once', async () => {
    const owner = tenant();
    const keyId = await createKey(owner);
    const entry = (
      chain: string,
      method: string,
      code: VerifyCode,
      requests: number,
      hour = '2026-11-10T09:00:00Z',
    ) => ({
      keyId,
      projectId: owner.projectId,
      hour,
      chain,
      method,
      code,
      requests,
    });
    const batch = {
      batchId: randomUUID(),
      entries: [
        entry('ethereum', 'eth_call', 'VALID', 7),
        entry('ethereum', 'eth_call', 'USAGE_EXCEEDED', 2),
        entry('polygon', 'eth_getLogs', 'VALID', 3),
      ],
    };
    expect(await client.bus.send(AnalyticsSubjects.recordRpcUsage, batch)).toEqual({ recorded: 3 });
    // The gateway's retry after a lost reply.
    await client.bus.send(AnalyticsSubjects.recordRpcUsage, batch);
    await client.bus.send(AnalyticsSubjects.recordRpcUsage, {
      batchId: randomUUID(),
      entries: [
        entry('ethereum', 'eth_call', 'VALID', 1),
        entry('ethereum', 'eth_call', 'VALID', 40, '2026-11-12T00:00:00Z'),
      ],
    });

    const usage = await client.bus.send(AnalyticsSubjects.keyUsage, {
      actor: owner.actor,
      keyId,
      from: '2026-11-10T00:00:00Z',
      to: '2026-11-12T00:00:00Z',
    });
    expect(usage.rpc).toEqual({
      source: 'verifications',
      total: 13,
      failed: 2,
      byChain: [
        { chain: 'ethereum', count: 10 },
        { chain: 'polygon', count: 3 },
      ],
      byMethod: [
        { chain: 'ethereum', method: 'eth_call', count: 10 },
        { chain: 'polygon', method: 'eth_getLogs', count: 3 },
      ],
    });
    // The project's time series shows them beside its events, each batch once, in the project's zone.
    const series = await client.bus.send(AnalyticsSubjects.timeseries, {
      caller: { actor: owner.actor },
      projectId: owner.projectId,
      metric: 'rpc_calls',
      interval: 'day',
      from: '2026-11-10T00:00:00Z',
      to: '2026-11-13T00:00:00Z',
      tz: 'UTC',
    });
    expect(series.points).toEqual([
      { t: '2026-11-10T00:00:00.000Z', value: 13 },
      { t: '2026-11-11T00:00:00.000Z', value: 0 },
      { t: '2026-11-12T00:00:00.000Z', value: 40 },
    ]);
    const hourly = await client.bus.send(AnalyticsSubjects.timeseries, {
      caller: { actor: owner.actor },
      projectId: owner.projectId,
      metric: 'rpc_calls',
      interval: 'hour',
      from: '2026-11-10T08:00:00Z',
      to: '2026-11-10T11:00:00Z',
    });
    expect(hourly.points.map((point) => point.value)).toEqual([0, 13, 0]);
    for (const [query, field] of [
      [{ interval: 'minute' }, 'interval'],
      [{ event: 'Signed Up' }, 'event'],
    ] as const) {
      const refused = await busError(
        client.bus.send(AnalyticsSubjects.timeseries, {
          caller: { actor: owner.actor },
          projectId: owner.projectId,
          metric: 'rpc_calls',
          from: '2026-11-10T08:00:00Z',
          to: '2026-11-10T09:00:00Z',
          ...query,
        }),
      );
      expect(refused.extra.errors?.map((error) => error.field)).toEqual([field]);
    }

    const invalid = await busError(
      client.bus.send(AnalyticsSubjects.recordRpcUsage, {
        batchId: randomUUID(),
        entries: [entry('ethereum', 'eth call', 'MAYBE' as VerifyCode, 0)],
      }),
    );
    expect(invalid.code).toBe(BusErrorCode.ValidationFailed);
  });

  it('answers not_found to a member of another organisation', async () => {
    const owner = tenant();
    const keyId = await createKey(owner);
    const stranger = tenant();
    const error = await busError(
      client.bus.send(AnalyticsSubjects.keyUsage, { actor: stranger.actor, keyId }),
    );
    expect(error.code).toBe(BusErrorCode.NotFound);
  });

  it('names the bad parameter', async () => {
    const owner = tenant();
    const keyId = await createKey(owner);
    const cases: [Record<string, unknown>, string][] = [
      [{ interval: 'week' }, 'interval'],
      [{ from: '2026-11-10' }, 'from'],
      [{ from: '2026-11-12T00:00:00Z', to: '2026-11-10T00:00:00Z' }, 'from'],
      [{ from: '2026-01-01T00:00:00Z', to: '2026-11-01T00:00:00Z', interval: 'hour' }, 'interval'],
    ];
    for (const [query, field] of cases) {
      const error = await busError(
        client.bus.send(AnalyticsSubjects.keyUsage, { actor: owner.actor, keyId, ...query }),
      );
      expect({ query, code: error.code, fields: error.extra.errors?.map((e) => e.field) }).toEqual({
        query,
        code: BusErrorCode.ValidationFailed,
        fields: [field],
      });
    }
  });
});

describe('organisation usage', () => {
  it('answers events ingested and key requests per project and UTC day', async () => {
    const owner = tenant();
    const second = tenancy.sibling(owner);
    const keyId = await createKey(owner);
    const duplicate = randomUUID();
    await store.write(owner.projectId, [
      { eventId: duplicate, event: 'Signed Up', userId: 'u1', at: '2026-11-10T08:00:00Z' },
      { event: 'Signed Up', userId: 'u2', at: '2026-11-10T23:59:59Z' },
      { event: 'Signed Up', userId: 'u2', at: '2026-11-11T00:00:00Z' },
    ]);
    // Delivered twice before ClickHouse merged it: counted once.
    await store.write(owner.projectId, [
      { eventId: duplicate, event: 'Signed Up', userId: 'u1', at: '2026-11-10T08:00:00Z' },
    ]);
    await store.write(second.projectId, [{ event: 'Paid', userId: 'u9', at: '2026-11-11T12:00:00Z' }]);
    await record([
      { keyId, hour: '2026-11-10T08:00:00Z', requests: 3, chain: 'ethereum' },
      { keyId, hour: '2026-11-11T15:00:00Z', requests: 4 },
    ]);

    const usage = await client.bus.send(AnalyticsSubjects.orgUsage, {
      actor: owner.actor,
      orgId: owner.orgId,
      from: '2026-11-10T00:00:00Z',
      to: '2026-11-12T00:00:00Z',
    });
    expect(usage.total).toEqual({ events: 4, keyRequests: 7 });
    const byProject = Object.fromEntries(usage.projects.map((project) => [project.projectId, project]));
    expect(byProject[owner.projectId]).toMatchObject({
      events: 3,
      keyRequests: 7,
      days: [
        { day: '2026-11-10', events: 2, keyRequests: 3 },
        { day: '2026-11-11', events: 1, keyRequests: 4 },
      ],
    });
    expect(byProject[second.projectId]).toMatchObject({
      events: 1,
      keyRequests: 0,
      days: [
        { day: '2026-11-10', events: 0, keyRequests: 0 },
        { day: '2026-11-11', events: 1, keyRequests: 0 },
      ],
    });
  });

  it('answers not_found to someone outside the organisation', async () => {
    const owner = tenant();
    const stranger = tenant();
    const error = await busError(
      client.bus.send(AnalyticsSubjects.orgUsage, { actor: stranger.actor, orgId: owner.orgId }),
    );
    expect(error.code).toBe(BusErrorCode.NotFound);
  });
});
