import { MikroORM } from '@mikro-orm/postgresql';
import { BusErrorCode, InboxSubjects } from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  busError,
  connectTestBus,
  eventually,
  startTestService,
  startTestSmtp,
  testEnv,
  userActor,
  type TestBus,
  type TestSmtp,
  TenancyStandIn,
} from '@northstar/testing';
import { Queue } from 'bullmq';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { notificationsService } from '../notifications.service-definition';
import { DELIVERY_QUEUE, deliveryJobId } from './delivery.jobs';
import {
  DeliveryService,
  type AlertNotification,
  type DeliveryChannel,
  type DeliveryView,
} from './delivery.service';
import { WebhookReceiver } from './test/webhook-receiver';

// The service as deployed (its own queue keys in the test Redis), with a real SMTP server, a real
// HTTP receiver on 127.0.0.1 and tenancy's organisation list stood in for on the real bus.
const PUBLIC_URL = 'https://app.northstar.test';
const QUEUE_PREFIX = `test-delivery-${randomUUID().slice(0, 8)}`;
const ATTEMPTS = 5;
// Long enough for a receiver on this machine to answer under a loaded CI (500 ms once was not); the
// hanging receiver's five attempts still end well within the test's wait.
const TIMEOUT_MS = 1500;

let smtp: TestSmtp;
let receiver: WebhookReceiver;
let service: RunningService;
let client: TestBus;
let tenancy: TenancyStandIn;
let deliveries: DeliveryService;
let queue: Queue;

beforeAll(async () => {
  smtp = await startTestSmtp();
  receiver = new WebhookReceiver();
  await receiver.start();
  client = await connectTestBus();
  tenancy = new TenancyStandIn(client.connection);
  await tenancy.start();
  service = await startTestService(notificationsService, {
    SMTP_URL: smtp.url,
    PUBLIC_URL,
    QUEUE_PREFIX,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    DELIVERY_ATTEMPTS: String(ATTEMPTS),
    // Retries after 50, 100, 200, 400 ms: a receiver failing to the end takes under a second.
    DELIVERY_RETRY_DELAY_MS: '50',
  });
  deliveries = service.app.get(DeliveryService);
  queue = new Queue(DELIVERY_QUEUE, { prefix: QUEUE_PREFIX, connection: { url: testEnv()['REDIS_URL'] } });
});

afterAll(async () => {
  await service?.close();
  if (queue) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  tenancy?.stop();
  await client?.close();
  await receiver?.stop();
  await smtp?.stop();
});

function notification(
  channels: DeliveryChannel[],
  overrides: Partial<AlertNotification> = {},
): AlertNotification {
  return {
    notificationId: randomUUID(),
    kind: 'firing',
    orgId: randomUUID(),
    projectId: randomUUID(),
    alert: {
      id: randomUUID(),
      name: 'Checkout errors',
      metric: 'events',
      comparator: 'gt',
      threshold: 100,
      windowSeconds: 300,
      filter: { event: 'Checkout Failed' },
    },
    value: 132,
    at: '2026-11-29T10:00:00.000Z',
    channels,
    ...overrides,
  };
}

const uniquePath = (name: string) => `/hooks/${name}-${randomUUID()}`;

/** The deliveries of a notification once none is pending any more. */
function settled(sent: AlertNotification, timeoutMs = 10_000): Promise<DeliveryView[]> {
  return eventually(
    async () => {
      const views = await deliveries.listForNotifications(sent.orgId, [sent.notificationId]);
      expect(views).toHaveLength(sent.channels.length);
      for (const view of views) expect(view.status).not.toBe('pending');
      return views;
    },
    { timeoutMs },
  );
}

async function secretOf(deliveryId: string): Promise<string | null | undefined> {
  const rows: Array<{ secret: string | null }> = await service.app
    .get(MikroORM)
    .em.fork()
    .getConnection()
    .execute('select "secret" from "notifications"."deliveries" where "id" = ?', [deliveryId]);
  return rows[0]?.secret;
}

function verifies(raw: Buffer, header: string | string[] | undefined, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhooks', () => {
  it('retries a receiver that fails twice: three attempts, one delivery id, the same signed bytes', async () => {
    const path = uniquePath('flaky');
    receiver.script(path, 500, 500, 200);
    const secret = `whsec_${randomUUID()}`;
    const sent = notification([{ type: 'webhook', url: `${receiver.url(path)}?token=abc`, secret }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery).toMatchObject({
      notificationId: sent.notificationId,
      channel: 'webhook',
      target: receiver.url(path),
      status: 'delivered',
    });
    expect(delivery.attempts.map((attempt) => [attempt.attempt, attempt.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(delivery.attempts[0].error).toBe('the receiver answered 500');
    expect(delivery.attempts[2].error).toBeNull();

    const requests = receiver.at(path);
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect(request.path).toBe(`${path}?token=abc`);
      expect(request.headers['x-northstar-delivery']).toBe(delivery.id);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toBe('Northstar-Webhooks/1');
      expect(request.raw.equals(requests[0].raw)).toBe(true);
      expect(verifies(request.raw, request.headers['x-northstar-signature'], secret)).toBe(true);
    }
    expect(verifies(requests[0].raw, requests[0].headers['x-northstar-signature'], 'another secret')).toBe(
      false,
    );

    // The secret was only needed while attempts remained.
    expect(await secretOf(delivery.id)).toBeNull();

    expect(JSON.parse(requests[0].raw.toString('utf8'))).toEqual({
      id: delivery.id,
      type: 'alert.firing',
      alert: sent.alert,
      state: 'firing',
      value: 132,
      window: { from: '2026-11-29T09:55:00.000Z', to: '2026-11-29T10:00:00.000Z' },
      at: sent.at,
      projectId: sent.projectId,
      link: `${PUBLIC_URL}/projects/${sent.projectId}/alerts/${sent.alert.id}`,
    });
  });

  it('signs each attempt the Standard Webhooks way, which standardwebhooks verifies and a replay fails', async () => {
    const path = uniquePath('standard');
    receiver.script(path, 500, 200);
    // Secrets look like this since the channel generates them in base64: the receiver uses it as shown.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    receiver.verify(path, secret);
    const sent = notification([{ type: 'webhook', url: receiver.url(path), secret }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('delivered');
    const requests = receiver.at(path);
    expect(requests.map((request) => request.rejected)).toEqual([null, null]);
    requests.forEach((request, index) => {
      // One webhook-id for every retry of the delivery; the timestamp is the attempt's own.
      expect(request.headers['webhook-id']).toBe(delivery.id);
      const timestamp = Number(request.headers['webhook-timestamp']);
      expect(Math.abs(timestamp - Date.parse(delivery.attempts[index].at) / 1000)).toBeLessThanOrEqual(1);
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      // The Northstar headers, unchanged beside them.
      expect(request.headers['x-northstar-delivery']).toBe(delivery.id);
      expect(verifies(request.raw, request.headers['x-northstar-signature'], secret)).toBe(true);
    });

    // Someone who captured the delivered request sends it again. At once, it verifies (a receiver
    // drops it as a duplicate by webhook-id); under a new id, to pass that, the signature fails.
    const captured = requests[1];
    expect(await receiver.replay(captured)).toBe(200);
    expect(await receiver.replay(captured, { ...captured.headers, 'webhook-id': randomUUID() })).toBe(401);
    // Five minutes and a second later, the library's tolerance has passed; a timestamp moved to the
    // receiver's new time breaks the signature.
    receiver.clockAheadSeconds = 301;
    try {
      expect(await receiver.replay(captured)).toBe(401);
      const later = String(Math.floor(Date.now() / 1000) + 301);
      expect(await receiver.replay(captured, { ...captured.headers, 'webhook-timestamp': later })).toBe(401);
    } finally {
      receiver.clockAheadSeconds = 0;
    }
    expect(receiver.at(path).map((request) => request.rejected)).toEqual([
      null,
      null,
      null,
      'No matching signature found',
      'Message timestamp too old',
      'No matching signature found',
    ]);
  });

  it('keys the Standard Webhooks signature of a secret that is not whsec_ base64 by its UTF-8 bytes', async () => {
    const path = uniquePath('own-secret');
    const secret = 'a secret of my own, ünïcode';
    receiver.verify(path, Buffer.from(secret, 'utf8'));
    const sent = notification([{ type: 'webhook', url: receiver.url(path), secret }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('delivered');
    expect(receiver.at(path).map((request) => request.rejected)).toEqual([null]);
  });

  it('never sends a webhook without a signing secret', async () => {
    const path = uniquePath('no-secret');
    const sent = notification([{ type: 'webhook', url: receiver.url(path), secret: '' }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts[0]).toMatchObject({ statusCode: null, error: 'no signing secret' });
    expect(receiver.at(path)).toHaveLength(0);
  });

  it('marks a delivery failed after the last attempt, each one recorded', async () => {
    const path = uniquePath('down');
    receiver.script(path, 503);
    const sent = notification([{ type: 'webhook', url: receiver.url(path), secret: 's' }], {
      kind: 'resolved',
    });

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3, 4, 5]);
    for (const attempt of delivery.attempts) {
      expect(attempt).toMatchObject({ statusCode: 503, error: 'the receiver answered 503' });
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    }
    // Exponential backoff: each wait at least as long as the one before.
    const times = delivery.attempts.map((attempt) => Date.parse(attempt.at));
    expect(times[4] - times[3]).toBeGreaterThanOrEqual(times[2] - times[1]);
    expect(receiver.at(path)).toHaveLength(ATTEMPTS);
    expect(await secretOf(delivery.id)).toBeNull();
    // The failed job, kept in Redis for a day, names the delivery and holds no secret or body.
    const job = await queue.getJob(deliveryJobId(delivery.id));
    expect(job?.data).toEqual({ orgId: sent.orgId, deliveryId: delivery.id });
    expect(JSON.parse(receiver.at(path)[0].raw.toString('utf8'))).toMatchObject({
      type: 'alert.resolved',
      state: 'resolved',
    });
  });

  it('does not follow redirects, and gives up on a receiver that does not answer in time', async () => {
    const moved = uniquePath('moved');
    const elsewhere = uniquePath('elsewhere');
    receiver.script(moved, { status: 302, headers: { Location: receiver.url(elsewhere) } });
    const silent = uniquePath('silent');
    receiver.script(silent, { status: 200, hang: true });
    const sent = notification([
      { type: 'webhook', url: receiver.url(moved), secret: 's' },
      { type: 'webhook', url: receiver.url(silent), secret: 's' },
    ]);

    await deliveries.enqueue(sent);

    const [redirected, timedOut] = await settled(sent, 20_000);
    expect(redirected.status).toBe('failed');
    expect(redirected.attempts[0]).toMatchObject({
      statusCode: 302,
      error: 'the receiver answered 302 (redirects are not followed)',
    });
    expect(receiver.at(elsewhere)).toHaveLength(0);
    expect(timedOut.status).toBe('failed');
    expect(timedOut.attempts[0]).toMatchObject({
      statusCode: null,
      error: `no answer within ${TIMEOUT_MS} ms`,
    });
    expect(timedOut.attempts[0].durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });

  it('records a receiver that cannot be reached as a failed attempt with the network error', async () => {
    const sent = notification([{ type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: 's' }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toHaveLength(ATTEMPTS);
    expect(delivery.attempts[0].error).toContain('ECONNREFUSED');
  });

  it('creates one delivery per channel however often the same notification is enqueued', async () => {
    const path = uniquePath('once');
    const sent = notification([
      { type: 'webhook', url: receiver.url(path), secret: 's' },
      { type: 'in_app' },
    ]);

    await Promise.all([deliveries.enqueue(sent), deliveries.enqueue(sent)]);
    await settled(sent);
    await deliveries.enqueue(sent);

    const views = await deliveries.listForNotifications(sent.orgId, [sent.notificationId]);
    expect(views.map((view) => [view.channel, view.status, view.attempts.length])).toEqual([
      ['webhook', 'delivered', 1],
      ['in_app', 'delivered', 1],
    ]);
    // Give a stray second job the time to show itself.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.at(path)).toHaveLength(1);
  });

  it('shows the deliveries of an organisation only to that organisation', async () => {
    const sent = notification([{ type: 'in_app' }]);
    await deliveries.enqueue(sent);
    await settled(sent);

    expect(await deliveries.listForNotifications(randomUUID(), [sent.notificationId])).toEqual([]);
  });
});

describe('email', () => {
  it('sends a readable alert email through the SMTP server', async () => {
    const to = `oncall-${randomUUID()}@notifications.test`;
    const sent = notification([{ type: 'email', to }]);

    await deliveries.enqueue(sent);

    const mail = await smtp.waitFor((message) => message.to.includes(to));
    expect(mail.subject).toBe('[Northstar] Checkout errors is firing');
    expect(mail.text).toContain('Checkout errors');
    expect(mail.text).toContain('Value: 132');
    expect(mail.text).toContain('Condition: > 100');
    expect(mail.text).toContain(`${PUBLIC_URL}/projects/${sent.projectId}/alerts/${sent.alert.id}`);
    expect(mail.html).toContain('Checkout errors');
    const [delivery] = await settled(sent);
    expect(delivery).toMatchObject({ channel: 'email', target: to, status: 'delivered' });
    expect(delivery.attempts).toHaveLength(1);
  });

  it('retries while the SMTP server refuses, then delivers', async () => {
    const to = `retry-${randomUUID()}@notifications.test`;
    const sent = notification([{ type: 'email', to }], { kind: 'test', value: null });
    smtp.refusing = true;
    try {
      await deliveries.enqueue(sent);
      await eventually(async () => {
        const [view] = await deliveries.listForNotifications(sent.orgId, [sent.notificationId]);
        expect(view.attempts.length).toBeGreaterThanOrEqual(2);
      });
    } finally {
      smtp.refusing = false;
    }

    const mail = await smtp.waitFor((message) => message.to.includes(to));
    expect(mail.subject).toBe('[Northstar] Test notification for Checkout errors');
    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attempts[0].error).toContain('451');
    expect(delivery.attempts[delivery.attempts.length - 1].error).toBeNull();
  });
});

describe('the in-app inbox', () => {
  const list = (actor: ReturnType<typeof userActor>, query: { limit?: number; cursor?: string } = {}) =>
    client.bus.send(InboxSubjects.list, { actor, ...query });

  it('shows the notification to the members of the organisation, each with their own read state', async () => {
    const member = userActor();
    const colleague = userActor();
    const stranger = userActor();
    const { orgId } = tenancy.organisation(member.userId, colleague.userId);
    tenancy.organisation(stranger.userId);
    const sent = notification([{ type: 'in_app' }], { orgId });

    await deliveries.enqueue(sent);
    await settled(sent);

    const page = await list(member);
    expect(page).toEqual({
      items: [
        {
          id: sent.notificationId,
          kind: 'firing',
          orgId,
          projectId: sent.projectId,
          alertId: sent.alert.id,
          title: 'Checkout errors is firing',
          body: 'events = 132 (threshold > 100) over the last 5 minutes',
          value: 132,
          createdAt: expect.any(String),
          readAt: null,
        },
      ],
      nextCursor: null,
    });

    await client.bus.send(InboxSubjects.markRead, { actor: member, id: sent.notificationId });
    await client.bus.send(InboxSubjects.markRead, { actor: member, id: sent.notificationId });

    const [read] = (await list(member)).items;
    expect(Date.parse(read.readAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect((await list(colleague)).items[0].readAt).toBeNull();

    expect(await list(stranger)).toEqual({ items: [], nextCursor: null });
    const error = await busError(
      client.bus.send(InboxSubjects.markRead, { actor: stranger, id: sent.notificationId }),
    );
    expect(error.code).toBe(BusErrorCode.NotFound);
    const missing = await busError(
      client.bus.send(InboxSubjects.markRead, { actor: member, id: randomUUID() }),
    );
    expect(missing.code).toBe(BusErrorCode.NotFound);
  });

  it('lists the notifications of all the user’s organisations, newest first, page by page', async () => {
    const user = userActor();
    const orgs = [
      tenancy.organisation(user.userId).orgId,
      tenancy.organisation(user.userId).orgId,
      tenancy.organisation(user.userId).orgId,
    ];
    const sent: AlertNotification[] = [];
    for (const orgId of orgs) {
      const one = notification([{ type: 'in_app' }], { orgId, kind: 'resolved', value: 12 });
      await deliveries.enqueue(one);
      await settled(one);
      sent.push(one);
    }

    const first = await list(user, { limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual([sent[2].notificationId, sent[1].notificationId]);
    expect(first.items[0].title).toBe('Checkout errors is resolved');
    const second = await list(user, { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second).toEqual({
      items: [expect.objectContaining({ id: sent[0].notificationId })],
      nextCursor: null,
    });

    const invalid = await busError(list(user, { cursor: 'bm9wZQ' }));
    expect(invalid.code).toBe(BusErrorCode.ValidationFailed);
  });

  it('forgets the deliveries and notifications of deleted alerts', async () => {
    const user = userActor();
    const { orgId } = tenancy.organisation(user.userId);
    const path = uniquePath('deleted');
    const kept = notification([{ type: 'in_app' }], { orgId });
    const deleted = notification(
      [{ type: 'in_app' }, { type: 'webhook', url: receiver.url(path), secret: 's' }],
      { orgId },
    );
    await deliveries.enqueue(kept);
    await deliveries.enqueue(deleted);
    await settled(kept);
    await settled(deleted);

    // Another organisation's delete of the same alert id changes nothing.
    await deliveries.deleteForAlerts(randomUUID(), [deleted.alert.id]);
    expect(await deliveries.listForNotifications(orgId, [deleted.notificationId])).toHaveLength(2);

    await deliveries.deleteForAlerts(orgId, [deleted.alert.id]);

    expect(await deliveries.listForNotifications(orgId, [deleted.notificationId])).toEqual([]);
    expect(await deliveries.listForNotifications(orgId, [kept.notificationId])).toHaveLength(1);
    expect((await list(user)).items.map((item) => item.id)).toEqual([kept.notificationId]);
  });
});
