import { analyticsService } from '../../test/neighbours';
import {
  AlertsSubjects,
  BusErrorCode,
  IdentitySubjects,
  type Actor,
  type AlertDto,
  type AlertHistoryEntryDto,
  type UsersByIdsRequest,
  type UsersByIdsResponse,
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
} from '@northstar/testing';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { NotificationLimits } from '../common/notification-limits';
import { DELIVERY_QUEUE } from '../delivery/delivery.jobs';
import { notificationsService } from '../notifications.service-definition';
import { WebhookReceiver } from '../delivery/test/webhook-receiver';
import { ALERT_EVALUATION_QUEUE } from './alert-evaluation.jobs';

// The hourly limits of issue 14 (finding 4), with small values, in Redis under this run's own prefix.
const QUEUE_PREFIX = `test-limits-${randomUUID().slice(0, 8)}`;
const ENV = {
  QUEUE_PREFIX,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  DELIVERY_RETRY_DELAY_MS: '50',
  ALERT_TEST_SENDS_PER_USER_PER_HOUR: '2',
  ALERT_TEST_SENDS_PER_ORG_PER_HOUR: '3',
  NOTIFICATIONS_PER_ORG_PER_HOUR: '2',
};

let notifications: RunningService;
let analytics: RunningService;
let client: TestBus;
let tenancy: TenancyStandIn;
let receiver: WebhookReceiver;
let identity: StandInResponder;
const created: Array<{ actor: Actor; alertId: string }> = [];

beforeAll(async () => {
  receiver = new WebhookReceiver();
  await receiver.start();
  client = await connectTestBus();
  tenancy = new TenancyStandIn(client.connection);
  await tenancy.start();
  // Everyone here has a verified email (creating alerts needs one).
  identity = await respondOnBus<UsersByIdsRequest, UsersByIdsResponse>(
    client.connection,
    IdentitySubjects.usersByIds,
    'identity',
    (request) => ({
      response: {
        users: request.userIds.map((id) => ({
          id,
          email: `${id}@example.com`,
          name: 'Someone',
          emailVerified: true,
        })),
      },
    }),
  );
  analytics = await startTestService(analyticsService);
  notifications = await startTestService(notificationsService, ENV);
});

afterAll(async () => {
  for (const { actor, alertId } of created) {
    await client.bus.send(AlertsSubjects.delete, { actor, alertId }).catch(() => undefined);
  }
  await notifications?.close();
  await analytics?.close();
  for (const name of [ALERT_EVALUATION_QUEUE, DELIVERY_QUEUE]) {
    const queue = new Queue(name, { prefix: QUEUE_PREFIX, connection: { url: testEnv()['REDIS_URL'] } });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  tenancy?.stop();
  identity?.stop();
  await client?.close();
  await receiver?.stop();
});

async function createAlert(actor: Actor, project: TestProject, path: string): Promise<AlertDto> {
  const alert = await client.bus.send(AlertsSubjects.create, {
    actor,
    projectId: project.projectId,
    name: 'Limited',
    metric: 'events',
    comparator: 'gt',
    threshold: 1_000_000,
    windowSeconds: 300,
    // A day between scheduled evaluations, which never fire anyway: only the tests send here.
    everySeconds: 86_400,
    channels: [{ type: 'webhook', url: receiver.url(path) }, { type: 'in_app' }],
  });
  created.push({ actor, alertId: alert.id });
  return alert;
}

const testSend = (actor: Actor, alertId: string) => client.bus.send(AlertsSubjects.test, { actor, alertId });

const history = async (actor: Actor, alertId: string): Promise<AlertHistoryEntryDto[]> =>
  (await client.bus.send(AlertsSubjects.history, { actor, alertId })).items;

it('limits test sends per user and per organisation and hour: 429 with the seconds until one is free', async () => {
  const owner = userActor();
  const project = tenancy.organisation(owner.userId);
  const admin = userActor();
  tenancy.addMember(project, admin.userId, 'admin');
  const alert = await createAlert(owner, project, `/limits-${project.projectId}`);

  await testSend(owner, alert.id);
  await testSend(owner, alert.id);
  const byUser = await busError(testSend(owner, alert.id));
  expect(byUser.code).toBe(BusErrorCode.RateLimited);
  expect(byUser.extra.retryAfterSeconds).toBeGreaterThan(3500);
  expect(byUser.extra.retryAfterSeconds).toBeLessThanOrEqual(3600);

  // Another admin of the organisation has sends of their own, until the organisation's are spent.
  await testSend(admin, alert.id);
  const byOrg = await busError(testSend(admin, alert.id));
  expect(byOrg.code).toBe(BusErrorCode.RateLimited);
  expect(byOrg.extra.retryAfterSeconds).toBeGreaterThan(3500);

  // Refused sends made no history entry; another organisation is not affected.
  expect(await history(owner, alert.id)).toHaveLength(3);
  const stranger = userActor();
  const theirs = tenancy.organisation(stranger.userId);
  const their = await createAlert(stranger, theirs, `/limits-${theirs.projectId}`);
  await expect(testSend(stranger, their.id)).resolves.toMatchObject({ id: expect.any(String) });
});

it("records notifications past the organisation's hourly budget as suppressed, and sends none of them", async () => {
  const owner = userActor();
  const project = tenancy.organisation(owner.userId);
  const admin = userActor();
  tenancy.addMember(project, admin.userId, 'admin');
  const path = `/budget-${project.projectId}`;
  const alert = await createAlert(owner, project, path);

  const sent = [await testSend(owner, alert.id), await testSend(owner, alert.id)];
  const over = await testSend(admin, alert.id);

  await eventually(async () => {
    const entries = await history(owner, alert.id);
    const statuses = (id: string) =>
      entries
        .find((entry) => entry.id === id)
        ?.deliveries.map((d) => [d.channel, d.status])
        .sort();
    for (const { id } of sent) {
      expect(statuses(id)).toEqual([
        ['in_app', 'delivered'],
        ['webhook', 'delivered'],
      ]);
    }
    expect(statuses(over.id)).toEqual([
      ['in_app', 'suppressed'],
      ['webhook', 'suppressed'],
    ]);
    const suppressed = entries.find((entry) => entry.id === over.id);
    expect(suppressed?.deliveries.every((d) => d.attempts.length === 0)).toBe(true);
  });
  expect(receiver.at(path)).toHaveLength(2);
});

it('decides each notification once: asking again for the same one neither counts it nor changes the answer', async () => {
  const limits = notifications.app.get(NotificationLimits);
  const orgId = randomUUID();
  const first = randomUUID();
  expect(await limits.allowNotification(orgId, first)).toBe(true);
  expect(await limits.allowNotification(orgId, first)).toBe(true);
  expect(await limits.allowNotification(orgId, randomUUID())).toBe(true);
  const third = randomUUID();
  expect(await limits.allowNotification(orgId, third)).toBe(false);
  expect(await limits.allowNotification(orgId, third)).toBe(false);
  expect(await limits.allowNotification(orgId, first)).toBe(true);
});
