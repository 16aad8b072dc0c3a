import type { RunningService } from '@northstar/service-runtime';
import { eventually, startTestService, testEnv } from '@northstar/testing';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { notificationsService } from '../notifications.service-definition';
import { DELIVERY_QUEUE } from './delivery.jobs';
import { DeliveryService, webhookUrlProblem, type AlertNotification } from './delivery.service';
import { WebhookReceiver } from './test/webhook-receiver';

// The service as production runs it by default: webhooks may not reach private or loopback
// addresses. The receiver listens on 127.0.0.1, and must never see a request.
const QUEUE_PREFIX = `test-delivery-private-${randomUUID().slice(0, 8)}`;
const ATTEMPTS = 5;

let receiver: WebhookReceiver;
let service: RunningService;
let deliveries: DeliveryService;

beforeAll(async () => {
  receiver = new WebhookReceiver();
  await receiver.start();
  service = await startTestService(notificationsService, {
    QUEUE_PREFIX,
    WEBHOOK_ALLOW_PRIVATE: 'false',
    DELIVERY_ATTEMPTS: String(ATTEMPTS),
    DELIVERY_RETRY_DELAY_MS: '20',
  });
  deliveries = service.app.get(DeliveryService);
});

afterAll(async () => {
  await service?.close();
  const queue = new Queue(DELIVERY_QUEUE, {
    prefix: QUEUE_PREFIX,
    connection: { url: testEnv()['REDIS_URL'] },
  });
  await queue.obliterate({ force: true });
  await queue.close();
  await receiver?.stop();
});

function webhookTo(url: string): AlertNotification {
  return {
    notificationId: randomUUID(),
    kind: 'test',
    orgId: randomUUID(),
    projectId: randomUUID(),
    alert: {
      id: randomUUID(),
      name: 'Signups',
      metric: 'users',
      comparator: 'lt',
      threshold: 1,
      windowSeconds: 3600,
      filter: {},
    },
    value: null,
    at: new Date().toISOString(),
    channels: [{ type: 'webhook', url, secret: 'secret' }],
  };
}

async function settled(sent: AlertNotification) {
  return eventually(
    async () => {
      const [view] = await deliveries.listForNotifications(sent.orgId, [sent.notificationId]);
      expect(view?.status).toBe('failed');
      return view;
    },
    { timeoutMs: 10_000 },
  );
}

it('refuses a loopback target at delivery, recording why on every attempt', async () => {
  const sent = webhookTo(receiver.url('/inside'));

  await deliveries.enqueue(sent);

  const delivery = await settled(sent);
  expect(delivery.attempts).toHaveLength(ATTEMPTS);
  for (const attempt of delivery.attempts) {
    expect(attempt).toMatchObject({
      statusCode: null,
      error: 'refused: the host is a private or reserved address; webhooks may only target public addresses',
    });
  }
  expect(receiver.received).toHaveLength(0);
});

it('refuses a name that resolves to a loopback address, checked after resolution', async () => {
  const port = new URL(receiver.url('/')).port;
  const sent = webhookTo(`http://localhost:${port}/named`);

  await deliveries.enqueue(sent);

  const delivery = await settled(sent);
  // The history is read by viewers: it says what was refused, not what the name resolved to.
  expect(delivery.attempts[0].error).toBe(
    'refused: the host resolves to a private or reserved address; webhooks may only target public addresses',
  );
  expect(receiver.received).toHaveLength(0);
});

it('reports private targets as a problem of the URL when an alert is saved', async () => {
  expect(await webhookUrlProblem('http://localhost/hook', false)).toBe(
    'the host resolves to a private or reserved address; webhooks may only target public addresses',
  );
  expect(await webhookUrlProblem('http://[::ffff:10.0.0.1]/hook', false)).toBe(
    'the host is a private or reserved address; webhooks may only target public addresses',
  );
  expect(await webhookUrlProblem('http://localhost/hook', true)).toBeNull();
  // DNS may change before the first delivery: a name that does not resolve now is not refused.
  expect(await webhookUrlProblem('https://hooks.invalid/northstar', false)).toBeNull();
});
