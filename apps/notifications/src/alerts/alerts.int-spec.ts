import { analyticsService, openEventStore, type EventStore } from '../../test/neighbours';
import {
  AlertsSubjects,
  BusErrorCode,
  IdentitySubjects,
  TenancySubjects,
  type ListMembersRequest,
  type MemberListResponse,
  type UsersByIdsRequest,
  type UsersByIdsResponse,
  TenancyEvents,
  type Actor,
  type AlertDto,
  type AlertHistoryEntryDto,
  type AlertWebhookChannelDto,
  type CreateAlertRequest,
} from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  busError,
  connectTestBus,
  respondOnBus,
  type StandInResponder,
  eventually,
  startTestService,
  testEnv,
  userActor,
  type TestBus,
  TenancyStandIn,
  type TestProject,
  testEventPublisher,
} from '@northstar/testing';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { notificationsService } from '../notifications.service-definition';
import { DELIVERY_QUEUE } from '../delivery/delivery.jobs';
import { WebhookReceiver } from '../delivery/test/webhook-receiver';
import { ALERT_EVALUATION_QUEUE } from './alert-evaluation.jobs';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertScheduler } from './alert-scheduler';

// The notifications service as deployed, its own queue keys in the test Redis, with the real analytics
// service reading events written to ClickHouse, a real HTTP receiver for the webhooks, and tenancy's
// access check stood in for on the real bus.
const QUEUE_PREFIX = `test-alerts-${randomUUID().slice(0, 8)}`;
const ENV = {
  QUEUE_PREFIX,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  DELIVERY_ATTEMPTS: '5',
  DELIVERY_RETRY_DELAY_MS: '50',
  WEBHOOK_TIMEOUT_MS: '2000',
};

let notifications: RunningService;
let analytics: RunningService;
let client: TestBus;
let tenancy: TenancyStandIn;
let store: EventStore;
let receiver: WebhookReceiver;
let evaluationQueue: Queue;
const responders: StandInResponder[] = [];

// Tenancy's member list and identity's users, stood in for: who alert emails may go to.
const people = new Map<string, { orgId: string; email: string; emailVerified: boolean }>();

function person(project: TestProject, emailVerified = true): { actor: Actor; email: string } {
  const actor = userActor();
  tenancy.addMember(project, actor.userId, 'member');
  const email = `member-${actor.userId}@example.com`;
  people.set(actor.userId, { orgId: project.orgId, email, emailVerified });
  return { actor, email };
}

beforeAll(async () => {
  store = await openEventStore();
  receiver = new WebhookReceiver();
  await receiver.start();
  client = await connectTestBus();
  tenancy = new TenancyStandIn(client.connection);
  await tenancy.start();
  responders.push(
    await respondOnBus<ListMembersRequest, MemberListResponse>(
      client.connection,
      TenancySubjects.listMembers,
      'tenancy',
      (request) => ({
        response: {
          items: [...people]
            .filter(([, who]) => who.orgId === request.orgId)
            .map(([userId, who]) => ({
              userId,
              email: who.email,
              name: 'Someone',
              role: 'member' as const,
              joinedAt: new Date(0).toISOString(),
            })),
          nextCursor: null,
        },
      }),
    ),
    await respondOnBus<UsersByIdsRequest, UsersByIdsResponse>(
      client.connection,
      IdentitySubjects.usersByIds,
      'identity',
      (request) => ({
        response: {
          users: request.userIds.flatMap((id) => {
            const who = people.get(id);
            return who ? [{ id, email: who.email, name: 'Someone', emailVerified: who.emailVerified }] : [];
          }),
        },
      }),
    ),
  );
  analytics = await startTestService(analyticsService);
  notifications = await startTestService(notificationsService, ENV);
  evaluationQueue = new Queue(ALERT_EVALUATION_QUEUE, {
    prefix: QUEUE_PREFIX,
    connection: { url: testEnv()['REDIS_URL'] },
  });
});

afterAll(async () => {
  for (const { actor, alertId } of created) {
    // Some tests delete their alert themselves: not_found is fine.
    await client.bus.send(AlertsSubjects.delete, { actor, alertId }).catch(() => undefined);
  }
  await notifications?.close();
  await analytics?.close();
  for (const name of [ALERT_EVALUATION_QUEUE, DELIVERY_QUEUE]) {
    const queue = new Queue(name, { prefix: QUEUE_PREFIX, connection: { url: testEnv()['REDIS_URL'] } });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await evaluationQueue?.close();
  tenancy?.stop();
  for (const responder of responders) responder.stop();
  await client?.close();
  await receiver?.stop();
  await store?.close();
});

interface Owner {
  actor: Actor;
  project: TestProject;
  /** Verified. */
  email: string;
}

function owner(): Owner {
  const actor = userActor();
  const project = tenancy.organisation(actor.userId);
  const email = `owner-${actor.userId}@example.com`;
  people.set(actor.userId, { orgId: project.orgId, email, emailVerified: true });
  return { actor, project, email };
}

// Every alert made here, deleted after the run: an alert left in the test database would be scheduled
// again by every later run's notifications service, and evaluated against an analytics that is gone.
const created: Array<{ actor: Actor; alertId: string }> = [];

async function create(
  { actor, project }: Pick<Owner, 'actor' | 'project'>,
  overrides: Partial<Omit<CreateAlertRequest, 'actor' | 'projectId'>> = {},
): Promise<AlertDto> {
  const alert = await client.bus.send(AlertsSubjects.create, {
    actor,
    projectId: project.projectId,
    name: 'Signups spike',
    metric: 'events',
    filter: { event: 'Signed Up' },
    comparator: 'gt',
    threshold: 2,
    windowSeconds: 300,
    // A schedule runs at once, then every everySeconds: after its first run (see settled()), a day
    // of quiet in which the tests drive the evaluations themselves.
    everySeconds: 86_400,
    channels: [{ type: 'in_app' }],
    ...overrides,
  });
  created.push({ actor, alertId: alert.id });
  return alert;
}

const history = async (actor: Actor, alertId: string): Promise<AlertHistoryEntryDto[]> =>
  (await client.bus.send(AlertsSubjects.history, { actor, alertId })).items;

/** `count` "Signed Up" events of the project, a few seconds ago (inside any window of the tests). */
async function signUps(project: TestProject, count: number): Promise<void> {
  const at = new Date(Date.now() - 5000).toISOString();
  await store.write(
    project.projectId,
    Array.from({ length: count }, (_, index) => ({ event: 'Signed Up', userId: `u${index}`, at })),
  );
}

/** An evaluation, as the job processor runs it (in its own request context). */
const evaluate = (alert: AlertDto) =>
  RequestContext.create(notifications.app.get(MikroORM).em, () =>
    notifications.app.get(AlertEvaluationService).evaluate(alert.orgId, alert.id),
  );

/**
 * A new alert once its schedule's first run (at once, then every everySeconds) has evaluated it, so
 * that the evaluations a test drives itself do not race it.
 */
async function settled(alert: AlertDto, actor: Actor): Promise<AlertDto> {
  return eventually(async () => {
    const now = await client.bus.send(AlertsSubjects.get, { actor, alertId: alert.id });
    expect(now.lastEvaluatedAt).not.toBeNull();
    return now;
  });
}

async function schedulersOf(alertId: string): Promise<{ key: string; every?: number }[]> {
  return (await evaluationQueue.getJobSchedulers(0, -1)).filter((scheduler) => scheduler.key === alertId);
}

/** Evaluations of the alert waiting in the queue: a doubled schedule would leave two. */
async function pendingRunsOf(alertId: string): Promise<number> {
  const jobs = await evaluationQueue.getJobs(['delayed', 'wait', 'prioritized']);
  return jobs.filter((job) => (job.data as { alertId?: string }).alertId === alertId).length;
}

function verifies(secret: string, raw: Buffer, header: unknown): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(String(header));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('alert rules', () => {
  it('takes a custom metric with its aggregation, without an event filter, and keeps the pair consistent on update', async () => {
    const o = owner();
    const fields = async (request: Promise<unknown>) =>
      ((await busError(request)).extra.errors ?? []).map((error) => error.field);
    const custom = { metric: 'custom:queue.depth' as const, filter: undefined };
    expect(await fields(create(o, custom))).toEqual(['aggregation']);
    expect(await fields(create(o, { ...custom, aggregation: 'p95', filter: { event: 'x' } }))).toEqual([
      'filter',
    ]);
    expect(await fields(create(o, { aggregation: 'sum' }))).toEqual(['aggregation']);
    expect(await fields(create(o, { metric: 'custom:no spaces' as never }))).toEqual(['metric']);
    const alert = await create(o, { ...custom, aggregation: 'p95' });
    expect(alert).toMatchObject({ metric: 'custom:queue.depth', aggregation: 'p95', filter: {} });
    const update = (changes: Record<string, unknown>) =>
      client.bus.send(AlertsSubjects.update, { actor: o.actor, alertId: alert.id, ...changes });
    expect(await fields(update({ metric: 'events' }))).toEqual(['aggregation']);
    expect(await update({ metric: 'events', aggregation: null })).toMatchObject({
      metric: 'events',
      aggregation: null,
    });
  });

  it('creates an alert with defaults, shows a generated webhook secret once, and hides it afterwards', async () => {
    const o = owner();
    const created = await create(o, {
      cooldownSeconds: undefined,
      everySeconds: undefined,
      channels: [
        { type: 'email', to: o.email },
        { type: 'webhook', url: receiver.url('/created') },
        { type: 'webhook', url: receiver.url('/given'), secret: 'a-secret-of-my-own-choice' },
      ],
    });
    const generated = (created.channels[1] as AlertWebhookChannelDto).secret ?? '';
    expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toEqual({
      id: expect.any(String),
      projectId: o.project.projectId,
      orgId: o.project.orgId,
      name: 'Signups spike',
      metric: 'events',
      aggregation: null,
      filter: { event: 'Signed Up' },
      comparator: 'gt',
      threshold: 2,
      windowSeconds: 300,
      everySeconds: 60,
      cooldownSeconds: 3600,
      enabled: true,
      channels: [
        { type: 'email', to: o.email },
        {
          type: 'webhook',
          url: receiver.url('/created'),
          secretHint: generated.slice(-4),
          secret: generated,
        },
        { type: 'webhook', url: receiver.url('/given'), secretHint: 'oice' },
      ],
      state: 'ok',
      lastValue: null,
      lastEvaluatedAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    const got = await client.bus.send(AlertsSubjects.get, { actor: o.actor, alertId: created.id });
    const listed = await client.bus.send(AlertsSubjects.list, {
      actor: o.actor,
      projectId: o.project.projectId,
    });
    // The scheduler may evaluate the new alert between the two reads: that changes only these fields.
    const settled = ({ lastEvaluatedAt: _at, lastValue: _value, updatedAt: _updated, ...rest }: typeof got) =>
      rest;
    expect(listed.items.map(settled)).toEqual([settled(got)]);
    expect(JSON.stringify([got, listed])).not.toContain(generated.slice(6, -4));
    expect(JSON.stringify([got, listed])).not.toContain('a-secret-of-my-own');
    expect(got.channels[1]).toEqual({
      type: 'webhook',
      url: receiver.url('/created'),
      secretHint: generated.slice(-4),
    });
    expect(
      tenancy.checks.filter((check) => check.actor.userId === o.actor.userId).map((c) => c.permission),
      // Each read asks too whether the reader may manage the alert, which shows its webhook URLs in full.
    ).toEqual(['alerts:manage', 'alerts:read', 'alerts:manage', 'alerts:read', 'alerts:manage']);

    // What PostgreSQL holds: neither secret in clear.
    const [row] = await notifications.app
      .get(MikroORM)
      .em.getConnection()
      .execute<{ channels: string }[]>(
        `select "channels"::text as "channels" from "notifications"."alerts" where "id" = ?`,
        [created.id],
      );
    expect(row.channels).toMatch(/enc:v1:/);
    expect(row.channels).not.toContain(generated.slice(6));
    expect(row.channels).not.toContain('a-secret-of-my-own-choice');
  });

  it('refuses a webhook URL with credentials on the channel field, and saves nothing', async () => {
    const o = owner();
    const error = await busError(
      create(o, {
        channels: [{ type: 'in_app' }, { type: 'webhook', url: 'https://user:pass@hooks.example.com/x' }],
      }),
    );
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['channels.1.url']);
    const malformed = await busError(
      create(o, { channels: [{ type: 'webhook', url: 'not a url' } as never] }),
    );
    expect(malformed.extra.errors?.map((e) => e.field)).toEqual(['channels.0.url']);
    expect(
      (await client.bus.send(AlertsSubjects.list, { actor: o.actor, projectId: o.project.projectId })).items,
    ).toEqual([]);
  });

  it('addresses email channels to verified emails of members only: a 400 naming each other channel', async () => {
    const o = owner();
    const verified = person(o.project);
    const unverified = person(o.project, false);
    const elsewhere = owner();
    const refused = await busError(
      create(o, {
        channels: [
          { type: 'email', to: o.email },
          { type: 'email', to: verified.email.toUpperCase() },
          { type: 'email', to: unverified.email },
          { type: 'email', to: elsewhere.email },
          { type: 'email', to: 'oncall@example.com' },
          { type: 'in_app' },
        ],
      }),
    );
    expect(refused.code).toBe(BusErrorCode.ValidationFailed);
    expect(refused.extra.errors).toEqual(
      ['channels.2.to', 'channels.3.to', 'channels.4.to'].map((field) => ({
        field,
        message: 'must be the verified email of a member of the organisation',
      })),
    );
    expect(
      (await client.bus.send(AlertsSubjects.list, { actor: o.actor, projectId: o.project.projectId })).items,
    ).toEqual([]);

    const alert = await create(o, { channels: [{ type: 'email', to: verified.email }] });
    const changed = await busError(
      client.bus.send(AlertsSubjects.update, {
        actor: o.actor,
        alertId: alert.id,
        channels: [{ type: 'email', to: unverified.email }],
      }),
    );
    expect(changed.extra.errors).toEqual([
      { field: 'channels.0.to', message: 'must be the verified email of a member of the organisation' },
    ]);
  });

  it('lets only an admin with a verified email create alerts: 403 otherwise, and nothing saved', async () => {
    const o = owner();
    const admin = userActor();
    tenancy.addMember(o.project, admin.userId, 'admin');
    people.set(admin.userId, {
      orgId: o.project.orgId,
      email: `admin-${admin.userId}@example.com`,
      emailVerified: false,
    });
    const refused = await busError(create({ actor: admin, project: o.project }));
    expect(refused.code).toBe(BusErrorCode.Forbidden);
    expect(refused.message).toMatch(/verify your email/i);
    expect(
      (await client.bus.send(AlertsSubjects.list, { actor: o.actor, projectId: o.project.projectId })).items,
    ).toEqual([]);
    const person = people.get(admin.userId);
    if (!person) throw new Error('the admin is a known person');
    people.set(admin.userId, { ...person, emailVerified: true });
    await expect(create({ actor: admin, project: o.project })).resolves.toMatchObject({
      name: 'Signups spike',
    });
  });

  it('changes an alert, keeping the secret of a webhook sent back without it', async () => {
    const o = owner();
    const created = await create(o, { channels: [{ type: 'webhook', url: receiver.url('/kept') }] });
    const secret = (created.channels[0] as AlertWebhookChannelDto).secret;
    const updated = await client.bus.send(AlertsSubjects.update, {
      actor: o.actor,
      alertId: created.id,
      name: 'Renamed',
      threshold: 5,
      channels: [
        { type: 'webhook', url: receiver.url('/kept') },
        { type: 'webhook', url: receiver.url('/new') },
      ],
    });
    expect(updated).toMatchObject({ name: 'Renamed', threshold: 5, comparator: 'gt', windowSeconds: 300 });
    expect(updated.channels[0]).toEqual({
      type: 'webhook',
      url: receiver.url('/kept'),
      secretHint: secret?.slice(-4),
    });
    expect((updated.channels[1] as AlertWebhookChannelDto).secret).toMatch(/^whsec_/);
  });

  it('lets a viewer read but not change, test or delete', async () => {
    const o = owner();
    const alert = await settled(await create(o), o.actor);
    const viewer = userActor();
    tenancy.addMember(o.project, viewer.userId, 'viewer');
    expect(await client.bus.send(AlertsSubjects.get, { actor: viewer, alertId: alert.id })).toEqual(alert);
    for (const attempt of [
      client.bus.send(AlertsSubjects.update, { actor: viewer, alertId: alert.id, threshold: 1 }),
      client.bus.send(AlertsSubjects.test, { actor: viewer, alertId: alert.id }),
      client.bus.send(AlertsSubjects.delete, { actor: viewer, alertId: alert.id }),
      create({ actor: viewer, project: o.project }),
    ]) {
      expect((await busError(attempt)).code).toBe(BusErrorCode.Forbidden);
    }
    expect(await client.bus.send(AlertsSubjects.get, { actor: o.actor, alertId: alert.id })).toEqual(alert);
  });

  it('shows webhook URLs in full to admins and owners only; viewers and members see scheme and host', async () => {
    const o = owner();
    const url = receiver.url(`/hooks/T000/B000/token-${o.project.projectId}?key=sekrit`);
    const origin = new URL(url).origin;
    const alert = await create(o, { channels: [{ type: 'webhook', url }, { type: 'in_app' }] });
    const admin = userActor();
    tenancy.addMember(o.project, admin.userId, 'admin');
    const reader = userActor();
    tenancy.addMember(o.project, reader.userId, 'viewer');
    const member = userActor();
    tenancy.addMember(o.project, member.userId, 'member');
    const test = await client.bus.send(AlertsSubjects.test, { actor: o.actor, alertId: alert.id });
    await eventually(async () => {
      const [entry] = await history(o.actor, alert.id);
      expect(entry.deliveries.find((d) => d.channel === 'webhook')?.status).toBe('delivered');
    });

    for (const actor of [o.actor, admin]) {
      const seen = await client.bus.send(AlertsSubjects.get, { actor, alertId: alert.id });
      expect(seen.channels[0]).toMatchObject({ type: 'webhook', url });
      const [entry] = await history(actor, alert.id);
      expect(entry.deliveries.find((d) => d.channel === 'webhook')?.target).toContain('token-');
    }
    for (const actor of [reader, member]) {
      const seen = await client.bus.send(AlertsSubjects.get, { actor, alertId: alert.id });
      expect(seen.channels[0]).toEqual({
        type: 'webhook',
        url: `${origin}/…`,
        secretHint: expect.any(String),
      });
      const listed = await client.bus.send(AlertsSubjects.list, { actor, projectId: o.project.projectId });
      expect(listed.items[0].channels[0]).toMatchObject({ url: `${origin}/…` });
      const [entry] = await history(actor, alert.id);
      expect(entry.id).toBe(test.id);
      expect(entry.deliveries.find((d) => d.channel === 'webhook')?.target).toBe(`${origin}/…`);
      expect(JSON.stringify([seen, listed, entry])).not.toMatch(/token-|sekrit|T000/);
    }
  });

  it('shows a member of another organisation nothing: not found, and an empty list of their own', async () => {
    const o = owner();
    const alert = await create(o);
    const stranger = owner();
    await create(stranger, { name: 'Their own' });
    for (const attempt of [
      client.bus.send(AlertsSubjects.get, { actor: stranger.actor, alertId: alert.id }),
      client.bus.send(AlertsSubjects.history, { actor: stranger.actor, alertId: alert.id }),
      client.bus.send(AlertsSubjects.test, { actor: stranger.actor, alertId: alert.id }),
      client.bus.send(AlertsSubjects.update, { actor: stranger.actor, alertId: alert.id, threshold: 1 }),
      client.bus.send(AlertsSubjects.delete, { actor: stranger.actor, alertId: alert.id }),
      client.bus.send(AlertsSubjects.list, { actor: stranger.actor, projectId: o.project.projectId }),
    ]) {
      const error = await busError(attempt);
      expect(error.code).toBe(BusErrorCode.NotFound);
    }
    const theirs = await client.bus.send(AlertsSubjects.list, {
      actor: stranger.actor,
      projectId: stranger.project.projectId,
    });
    expect(theirs.items.map((item) => item.name)).toEqual(['Their own']);
    expect(await history(o.actor, alert.id)).toEqual([]);
  });

  it('pages the project alerts newest first without gaps or repeats', async () => {
    const o = owner();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await create(o, { name: `Alert ${i}` })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.bus.send(AlertsSubjects.list, {
        actor: o.actor,
        projectId: o.project.projectId,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
  });
});

describe('evaluation', () => {
  it('fires once with a signed webhook, stays quiet in the cooldown, then resolves and says so', async () => {
    const o = owner();
    const alert = await create(o, {
      cooldownSeconds: 3600,
      channels: [{ type: 'webhook', url: receiver.url(`/fire-${o.project.projectId}`) }],
    });
    const secret = (alert.channels[0] as AlertWebhookChannelDto).secret ?? '';
    await settled(alert, o.actor);
    const path = `/fire-${o.project.projectId}`;
    // A Standard Webhooks receiver given the secret exactly as the API showed it.
    receiver.verify(path, secret);

    // Below the threshold: measured, nothing to say.
    expect(await evaluate(alert)).toEqual({ evaluated: true, value: 0, notified: null });
    await signUps(o.project, 3);
    const fired = await evaluate(alert);
    expect(fired).toMatchObject({ evaluated: true, value: 3, notified: { kind: 'firing' } });
    // Inside the cooldown, still above: no second notification.
    expect(await evaluate(alert)).toEqual({ evaluated: true, value: 3, notified: null });

    const afterFiring = await eventually(async () => {
      const entries = await history(o.actor, alert.id);
      expect(entries).toHaveLength(1);
      expect(entries[0].deliveries).toEqual([
        expect.objectContaining({ channel: 'webhook', status: 'delivered' }),
      ]);
      return entries;
    });
    expect(afterFiring[0]).toMatchObject({ kind: 'firing', state: 'firing', value: 3 });
    expect(receiver.at(path)).toHaveLength(1);
    const [webhook] = receiver.at(path);
    expect(verifies(secret, webhook.raw, webhook.headers['x-northstar-signature'])).toBe(true);
    expect(webhook.rejected).toBeNull();
    expect(webhook.headers['x-northstar-delivery']).toBe(afterFiring[0].deliveries[0].id);
    expect(webhook.headers['webhook-id']).toBe(afterFiring[0].deliveries[0].id);
    expect(JSON.parse(webhook.raw.toString('utf8'))).toMatchObject({
      type: 'alert.firing',
      alert: { id: alert.id, name: 'Signups spike', threshold: 2, comparator: 'gt' },
      value: 3,
    });
    expect(await client.bus.send(AlertsSubjects.get, { actor: o.actor, alertId: alert.id })).toMatchObject({
      state: 'firing',
      lastValue: 3,
      lastEvaluatedAt: expect.any(String),
    });

    // The condition stops holding (the threshold moved above the value): resolved, notified once.
    await client.bus.send(AlertsSubjects.update, { actor: o.actor, alertId: alert.id, threshold: 10 });
    expect(await evaluate(alert)).toMatchObject({ notified: { kind: 'resolved', state: 'ok' } });
    expect(await evaluate(alert)).toMatchObject({ notified: null });
    await eventually(() => expect(receiver.at(path)).toHaveLength(2));
    const resolved = receiver.at(path)[1];
    expect(verifies(secret, resolved.raw, resolved.headers['x-northstar-signature'])).toBe(true);
    expect(resolved.rejected).toBeNull();
    expect(JSON.parse(resolved.raw.toString('utf8'))).toMatchObject({ type: 'alert.resolved', value: 3 });
    const entries = await history(o.actor, alert.id);
    expect(entries.map((entry) => [entry.kind, entry.state])).toEqual([
      ['resolved', 'ok'],
      ['firing', 'firing'],
    ]);
  });

  it('lets only one of two evaluations at once notify', async () => {
    const o = owner();
    const alert = await settled(await create(o), o.actor);
    await signUps(o.project, 3);
    const outcomes = await Promise.all([evaluate(alert), evaluate(alert), evaluate(alert)]);
    expect(outcomes.filter((outcome) => outcome.evaluated && outcome.notified)).toHaveLength(1);
    expect((await history(o.actor, alert.id)).map((entry) => entry.kind)).toEqual(['firing']);
  });

  it('notifies again after the cooldown while it keeps firing', async () => {
    const o = owner();
    const alert = await settled(await create(o, { cooldownSeconds: 0 }), o.actor);
    await signUps(o.project, 3);
    await evaluate(alert);
    await evaluate(alert);
    expect((await history(o.actor, alert.id)).map((entry) => entry.kind)).toEqual(['firing', 'firing']);
  });

  it('evaluates on its own schedule, every everySeconds', async () => {
    const o = owner();
    await signUps(o.project, 4);
    const alert = await create(o, { everySeconds: 5 });
    const entries = await eventually(
      async () => {
        const found = await history(o.actor, alert.id);
        expect(found).toHaveLength(1);
        return found;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(entries[0]).toMatchObject({
      kind: 'firing',
      value: 4,
      deliveries: [expect.objectContaining({ channel: 'in_app' })],
    });
    const before = (await client.bus.send(AlertsSubjects.get, { actor: o.actor, alertId: alert.id }))
      .lastEvaluatedAt;
    // A second scheduled run: evaluated again, still one notification (cooldown).
    await eventually(
      async () => {
        const now = await client.bus.send(AlertsSubjects.get, { actor: o.actor, alertId: alert.id });
        expect(now.lastEvaluatedAt).not.toBe(before);
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(await history(o.actor, alert.id)).toHaveLength(1);
    await client.bus.send(AlertsSubjects.delete, { actor: o.actor, alertId: alert.id });
  });

  it('sends a test through every channel without changing the state', async () => {
    const o = owner();
    const path = `/test-${o.project.projectId}`;
    const alert = await create(o, {
      channels: [{ type: 'webhook', url: receiver.url(path) }, { type: 'in_app' }],
    });
    await signUps(o.project, 1);
    const test = await client.bus.send(AlertsSubjects.test, { actor: o.actor, alertId: alert.id });
    expect(test).toEqual({ id: expect.any(String), value: 1, at: expect.any(String) });
    await eventually(async () => {
      const [entry] = await history(o.actor, alert.id);
      expect(entry).toMatchObject({ id: test.id, kind: 'test', state: 'ok', value: 1 });
      expect(entry.deliveries.map((d) => [d.channel, d.status]).sort()).toEqual([
        ['in_app', 'delivered'],
        ['webhook', 'delivered'],
      ]);
    });
    expect(JSON.parse(receiver.at(path)[0].raw.toString('utf8'))).toMatchObject({ type: 'alert.test' });
    expect(await client.bus.send(AlertsSubjects.get, { actor: o.actor, alertId: alert.id })).toMatchObject({
      state: 'ok',
    });
    expect((await history(o.actor, alert.id)).map((entry) => entry.kind)).toEqual(['test']);
  });
});

describe('schedules', () => {
  it('keeps exactly one schedule per alert across a restart and with two replicas, and none once deleted', async () => {
    const o = owner();
    const alert = await create(o, { everySeconds: 3600 });
    expect(await schedulersOf(alert.id)).toEqual([
      expect.objectContaining({ key: alert.id, every: 3_600_000 }),
    ]);
    // Left behind by an alert deleted while its removal failed: gone after the restart (reconciling
    // removes it, or its own first run finds no alert and ends it).
    const orphan = randomUUID();
    await evaluationQueue.upsertJobScheduler(
      orphan,
      { every: 3_600_000 },
      { name: 'evaluate', data: { alertId: orphan, orgId: o.project.orgId } },
    );

    await notifications.close();
    notifications = await startTestService(notificationsService, ENV);
    await notifications.app.get(AlertScheduler).whenReconciled();
    expect(await schedulersOf(alert.id)).toHaveLength(1);
    expect(await pendingRunsOf(alert.id)).toBeLessThanOrEqual(1);
    await eventually(async () => expect(await schedulersOf(orphan)).toEqual([]));

    const replica = await startTestService(notificationsService, ENV, { replica: true });
    try {
      await Promise.all([
        replica.app.get(AlertScheduler).whenReconciled(),
        notifications.app.get(AlertScheduler).reconcile(),
      ]);
      expect(await schedulersOf(alert.id)).toHaveLength(1);
      expect(await pendingRunsOf(alert.id)).toBeLessThanOrEqual(1);
    } finally {
      await replica.close();
    }

    await client.bus.send(AlertsSubjects.update, { actor: o.actor, alertId: alert.id, enabled: false });
    expect(await schedulersOf(alert.id)).toEqual([]);
    await client.bus.send(AlertsSubjects.update, {
      actor: o.actor,
      alertId: alert.id,
      enabled: true,
      everySeconds: 60,
    });
    expect(await schedulersOf(alert.id)).toEqual([expect.objectContaining({ every: 60_000 })]);

    expect(await client.bus.send(AlertsSubjects.delete, { actor: o.actor, alertId: alert.id })).toEqual({
      deleted: true,
    });
    expect(await schedulersOf(alert.id)).toEqual([]);
    expect(
      (await busError(client.bus.send(AlertsSubjects.get, { actor: o.actor, alertId: alert.id }))).code,
    ).toBe(BusErrorCode.NotFound);
  });

  it("deletes a deleted project's alerts with their schedules, once however often the event comes", async () => {
    const o = owner();
    const doomed = [await create(o, { everySeconds: 3600 }), await create(o, { everySeconds: 3600 })];
    const other = owner();
    const kept = await create(other, { everySeconds: 3600 });
    const publisher = testEventPublisher(client.connection, 'alerts-int-spec');
    const event = {
      projectId: o.project.projectId,
      orgId: o.project.orgId,
      deletedAt: new Date().toISOString(),
    };
    await publisher.publish(TenancyEvents.projectDeleted, event);
    await publisher.publish(TenancyEvents.projectDeleted, event);

    await eventually(async () => {
      for (const alert of doomed) {
        const error = await busError(
          client.bus.send(AlertsSubjects.get, { actor: o.actor, alertId: alert.id }),
        );
        expect(error.code).toBe(BusErrorCode.NotFound);
        expect(await schedulersOf(alert.id)).toEqual([]);
      }
    });
    expect(await client.bus.send(AlertsSubjects.get, { actor: other.actor, alertId: kept.id })).toMatchObject(
      { id: kept.id },
    );
    expect(await schedulersOf(kept.id)).toHaveLength(1);
  });
});
