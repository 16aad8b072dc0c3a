import {
  AnalyticsSubjects,
  BusErrorCode,
  type AnalyticsCaller,
  type MetricRequest,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { busError, TEST_BUS_TIMEOUT_MS, testSigner, userActor } from '@northstar/testing';
import { analyticsTestBed } from '../../test/analytics-test-bed';
import { randomUUID } from 'node:crypto';

// analytics.query.metric: one number over a whole range, as notifications asks it to evaluate alerts.

const bed = analyticsTestBed();

const WALLET = '0x' + 'd'.repeat(40);
// Two days of closed hours (read from the roll-up) with edges at half hours (read from raw events).
const RANGE = { from: '2026-11-01T10:30:00Z', to: '2026-11-03T10:30:00Z' };

// A service caller is believed only from the service it names: those requests are signed as notifications.
const clientFor = (caller: AnalyticsCaller) =>
  caller.service
    ? new BusClient(bed.client.connection, TEST_BUS_TIMEOUT_MS, testSigner(caller.service.name))
    : bed.client.bus;

const metric = (caller: AnalyticsCaller, projectId: string, request: Partial<MetricRequest> = {}) =>
  clientFor(caller).send(AnalyticsSubjects.metric, {
    caller,
    projectId,
    metric: 'events',
    ...RANGE,
    ...request,
  });

const asNotifications = (projectId: string): AnalyticsCaller => ({
  service: { name: 'notifications', projectId },
});

describe('a metric over a range', () => {
  const projectId = randomUUID();
  beforeAll(async () => {
    await bed.store.write(projectId, [
      { event: 'Signed Up', userId: 'u1', at: '2026-11-01T10:45:00Z' },
      { event: 'Signed Up', userId: 'u1', at: '2026-11-02T12:00:00Z' },
      { event: 'Signed Up', anonymousId: 'a2', at: '2026-11-03T10:15:00Z' },
      {
        type: 'transaction',
        event: 'Swap',
        userId: 'u1',
        wallet: WALLET,
        chainId: 1,
        at: '2026-11-01T20:00:00Z',
      },
      {
        type: 'transaction',
        event: 'Swap',
        userId: 'u1',
        wallet: WALLET,
        chainId: 1,
        at: '2026-11-02T20:00:00Z',
      },
      // Outside the range on both sides.
      { event: 'Signed Up', userId: 'u9', at: '2026-11-01T10:29:59Z' },
      { event: 'Signed Up', userId: 'u9', at: '2026-11-03T10:30:00Z' },
    ]);
  });

  it('counts distinct people and wallets once over the whole range, not once per day', async () => {
    const caller = asNotifications(projectId);
    expect(await metric(caller, projectId)).toEqual({ value: 5 });
    expect(await metric(caller, projectId, { metric: 'users' })).toEqual({ value: 2 });
    expect(await metric(caller, projectId, { metric: 'wallets' })).toEqual({ value: 1 });
    expect(await metric(caller, projectId, { metric: 'transactions' })).toEqual({ value: 2 });
  });

  it('applies the filters, the same from raw events (userId) as from the roll-up', async () => {
    const caller = asNotifications(projectId);
    expect(await metric(caller, projectId, { filters: { event: 'Signed Up' } })).toEqual({ value: 3 });
    expect(await metric(caller, projectId, { filters: { event: 'Signed Up', userId: 'u1' } })).toEqual({
      value: 2,
    });
    expect(await metric(caller, projectId, { metric: 'users', filters: { chainId: 1 } })).toEqual({
      value: 1,
    });
  });

  it('lets the notifications service read the project it names only', async () => {
    const error = await busError(metric(asNotifications(randomUUID()), projectId));
    expect(error.code).toBe(BusErrorCode.NotFound);
  });

  it('refuses a notifications caller that another process claims (here the gateway)', async () => {
    const claimed = bed.client.bus.send(AnalyticsSubjects.metric, {
      caller: asNotifications(projectId),
      projectId,
      metric: 'events',
      ...RANGE,
    });
    expect((await busError(claimed)).code).toBe(BusErrorCode.Unauthenticated);
  });

  it('answers a member, and not_found to a stranger, through tenancy', async () => {
    const member = userActor();
    const project = bed.tenancy.project(member.userId, 'viewer');
    await bed.store.write(project.projectId, [
      { event: 'Signed Up', userId: 'u1', at: '2026-11-02T12:00:00Z' },
    ]);
    expect(await metric({ actor: member }, project.projectId)).toEqual({ value: 1 });
    const stranger = await busError(metric({ actor: userActor() }, project.projectId));
    expect(stranger.code).toBe(BusErrorCode.NotFound);
  });

  it('refuses an unknown service, a missing range and an unknown metric, naming the fields', async () => {
    const unknown = await busError(
      metric({ service: { name: 'gateway' as 'notifications', projectId } }, projectId),
    );
    expect(unknown.extra.errors?.map((e) => e.field)).toEqual(['caller.service.name']);
    const noRange = await busError(
      clientFor(asNotifications(projectId)).send(AnalyticsSubjects.metric, {
        caller: asNotifications(projectId),
        projectId,
        metric: 'events',
      } as MetricRequest),
    );
    expect(noRange.extra.errors?.map((e) => e.field)).toEqual(['from', 'to']);
    const badMetric = await busError(
      metric(asNotifications(projectId), projectId, { metric: 'sessions' as 'events' }),
    );
    expect(badMetric.extra.errors?.map((e) => e.field)).toEqual(['metric']);
  });
});
