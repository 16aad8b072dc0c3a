import { MikroORM } from '@mikro-orm/postgresql';
import type { RunningService } from '@northstar/service-runtime';
import { connectTestBus, eventually, startTestService, testEnv, type TestBus } from '@northstar/testing';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Sealer } from '@northstar/sealing';
import { SecretBox } from '../common/secret-box';
import { notificationsService } from '../notifications.service-definition';
import { DISCORD_LIMITS, SLACK_LIMITS, TELEGRAM_LIMITS } from './chat.content';
import { DELIVERY_QUEUE } from './delivery.jobs';
import {
  DeliveryService,
  type AlertNotification,
  type DeliveryChannel,
  type DeliveryView,
} from './delivery.service';
import { WebhookReceiver, type ReceivedWebhook } from './test/webhook-receiver';

// The service as deployed, with real HTTP receivers on 127.0.0.1 standing in for Slack, Teams, Discord
// and the Telegram Bot API (TELEGRAM_API_URL points at one of them).
const PUBLIC_URL = 'https://app.northstar.test';
const QUEUE_PREFIX = `test-chat-${randomUUID().slice(0, 8)}`;
const TELEGRAM_PREFIX = '/telegram-api';
const BOT_TOKEN = `987654321:${'Q'.repeat(20)}_${'z'.repeat(14)}`;

let receiver: WebhookReceiver;
let service: RunningService;
let client: TestBus;
let deliveries: DeliveryService;
let secrets: SecretBox;
let queue: Queue;

beforeAll(async () => {
  receiver = new WebhookReceiver();
  await receiver.start();
  client = await connectTestBus();
  service = await startTestService(notificationsService, {
    PUBLIC_URL,
    QUEUE_PREFIX,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_TIMEOUT_MS: '1500',
    DELIVERY_ATTEMPTS: '5',
    DELIVERY_RETRY_DELAY_MS: '50',
    TELEGRAM_API_URL: receiver.url(TELEGRAM_PREFIX),
    // Two messages per destination in any 1.5 s: every test here has destinations of its own.
    CHAT_MESSAGES_PER_DESTINATION: '2',
    CHAT_DESTINATION_WINDOW_MS: '1500',
  });
  deliveries = service.app.get(DeliveryService);
  secrets = service.app.get(SecretBox);
  queue = new Queue(DELIVERY_QUEUE, { prefix: QUEUE_PREFIX, connection: { url: testEnv()['REDIS_URL'] } });
});

afterAll(async () => {
  await service?.close();
  if (queue) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await client?.close();
  await receiver?.stop();
});

function notification(channels: DeliveryChannel[], name = 'Checkout <errors> & @here'): AlertNotification {
  return {
    notificationId: randomUUID(),
    kind: 'firing',
    orgId: randomUUID(),
    projectId: randomUUID(),
    alert: {
      id: randomUUID(),
      name,
      metric: 'events',
      comparator: 'gt',
      threshold: 100,
      windowSeconds: 300,
      filter: { event: 'Checkout Failed' },
    },
    value: 132,
    at: '2026-11-29T10:00:00.000Z',
    channels,
  };
}

const uniquePath = (name: string) => `/chat/${name}-${randomUUID()}`;
const linkOf = (sent: AlertNotification) =>
  `${PUBLIC_URL}/projects/${sent.projectId}/alerts/${sent.alert.id}`;
const json = (request: ReceivedWebhook): Record<string, unknown> =>
  JSON.parse(request.raw.toString('utf8')) as Record<string, unknown>;

/** The deliveries of a notification once none is pending any more. */
function settled(sent: AlertNotification, timeoutMs = 15_000): Promise<DeliveryView[]> {
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

async function storedRow(
  deliveryId: string,
): Promise<{ url: string | null; secret: string | null; target: string }> {
  const rows: Array<{ url: string | null; secret: string | null; target: string }> = await service.app
    .get(MikroORM)
    .em.fork()
    .getConnection()
    .execute('select "url", "secret", "target" from "notifications"."deliveries" where "id" = ?', [
      deliveryId,
    ]);
  return rows[0];
}

function expectCommonHeaders(request: ReceivedWebhook): void {
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers['user-agent']).toBe('Northstar-Alerts/1');
  // Chat services get no webhook signature: they would not check it, and it would only be noise.
  expect(request.headers['webhook-signature']).toBeUndefined();
}

describe('chat deliveries', () => {
  it('posts Slack text and blocks, escaped, without mentions, the URL sealed and redacted in the history', async () => {
    const path = uniquePath('slack');
    const url = `${receiver.url(path)}?token=slack-secret`;
    const sent = notification([{ type: 'slack', url: secrets.seal(url) }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery).toMatchObject({
      channel: 'slack',
      status: 'delivered',
      target: `${receiver.url('')}/…`,
    });
    expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([200]);
    const [request] = receiver.at(path);
    expect(request.path).toBe(`${path}?token=slack-secret`);
    expectCommonHeaders(request);
    const body = json(request);
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
    expect(body['text']).toBe(
      'Checkout &lt;errors&gt; &amp; @\u200bhere is firing: events = 132 (threshold &gt; 100) over the last 5 minutes',
    );
    const blocks = body['blocks'] as Array<{ type: string; text?: { type: string; text: string } }>;
    expect(blocks.map((block) => block.type)).toEqual(['header', 'section', 'actions']);
    expect(blocks[0].text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    expect(JSON.stringify(blocks[2])).toContain(linkOf(sent));
    expect(request.raw.toString('utf8')).not.toMatch(/<!|@here|@channel/);
    // At rest: the URL was sealed while attempts remained, then erased; never stored in clear.
    const row = await storedRow(delivery.id);
    expect(row.url).toBeNull();
    expect(row.secret).toBeNull();
    expect(row.target).not.toContain('slack-secret');
  });

  it('posts a Teams Workflows message with an Adaptive Card', async () => {
    const path = uniquePath('teams');
    const sent = notification([{ type: 'teams', url: secrets.seal(receiver.url(path)) }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('delivered');
    const [request] = receiver.at(path);
    expectCommonHeaders(request);
    const body = json(request) as {
      type: string;
      attachments: Array<{
        contentType: string;
        content: { type: string; version: string; actions: unknown[] };
      }>;
    };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(body.attachments[0].content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open the alert', url: linkOf(sent) },
    ]);
    expect(request.raw.length).toBeLessThan(28 * 1024);
  });

  it('waits out a Discord 429 (Retry-After and retry_after) before retrying, the same bytes, no mentions', async () => {
    const path = uniquePath('discord');
    receiver.script(
      path,
      {
        status: 429,
        headers: { 'Retry-After': '2', 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 1.5, global: false }),
      },
      204,
    );
    const longName = `${'N'.repeat(300)} @everyone`;
    const sent = notification([{ type: 'discord', url: secrets.seal(receiver.url(path)) }], longName);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([429, 204]);
    expect(delivery.attempts[0].error).toBe(
      'the receiver answered 429: You are being rate limited. (retry after 2 s)',
    );
    const waited = Date.parse(delivery.attempts[1].at) - Date.parse(delivery.attempts[0].at);
    // The backoff alone would have been 50 ms.
    expect(waited).toBeGreaterThanOrEqual(2000);

    const requests = receiver.at(path);
    expect(requests).toHaveLength(2);
    expect(requests[1].raw.equals(requests[0].raw)).toBe(true);
    expectCommonHeaders(requests[0]);
    const body = json(requests[0]) as {
      content: string;
      allowed_mentions: unknown;
      embeds: Array<{ title: string; description: string; url: string; fields: unknown[] }>;
    };
    expect(body.content).toBe('');
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds).toHaveLength(1);
    expect(body.embeds[0].title).toHaveLength(DISCORD_LIMITS.title);
    expect(body.embeds[0].title.endsWith('…')).toBe(true);
    expect(body.embeds[0].url).toBe(linkOf(sent));
  });

  it('sends Telegram sendMessage to the configured API, waits out parameters.retry_after, never shows the token', async () => {
    const path = `${TELEGRAM_PREFIX}/bot${BOT_TOKEN}/sendMessage`;
    receiver.script(
      path,
      {
        status: 429,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          ok: false,
          error_code: 429,
          description: 'Too Many Requests: retry after 1',
          parameters: { retry_after: 1 },
        }),
      },
      { status: 200, body: JSON.stringify({ ok: true, result: { message_id: 1 } }) },
    );
    const sent = notification([
      { type: 'telegram', botToken: secrets.seal(BOT_TOKEN), chatId: '@northstar_alerts' },
    ]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery).toMatchObject({
      channel: 'telegram',
      status: 'delivered',
      target: 'telegram:@northstar_alerts',
    });
    expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([429, 200]);
    expect(delivery.attempts[0].error).toBe(
      'the receiver answered 429: Too Many Requests: retry after 1 (retry after 1 s)',
    );
    expect(Date.parse(delivery.attempts[1].at) - Date.parse(delivery.attempts[0].at)).toBeGreaterThanOrEqual(
      1000,
    );
    const requests = receiver.at(path);
    expect(requests).toHaveLength(2);
    expectCommonHeaders(requests[0]);
    const body = json(requests[0]) as { chat_id: string; text: string; parse_mode: string };
    expect(body).toMatchObject({
      chat_id: '@northstar_alerts',
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    });
    expect(body.text.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.text);
    expect(body.text).toContain('<b>Checkout &lt;errors&gt; &amp; @here is firing</b>');
    expect(body.text).toContain(`<a href="${linkOf(sent)}">Open the alert</a>`);
    expect(JSON.stringify(delivery)).not.toContain(BOT_TOKEN.split(':')[1]);
  });

  it("records a refusal in the service's words, without the token, and gives up after the last attempt", async () => {
    const token = `111:${'r'.repeat(40)}`;
    const path = `${TELEGRAM_PREFIX}/bot${token}/sendMessage`;
    receiver.script(path, {
      status: 400,
      body: JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request: chat not found' }),
    });
    const sent = notification([{ type: 'telegram', botToken: secrets.seal(token), chatId: '-100123' }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toHaveLength(5);
    expect(delivery.attempts[0].error).toBe('the receiver answered 400: Bad Request: chat not found');
    expect(JSON.stringify(delivery)).not.toContain('rrrrrrrr');
    expect((await storedRow(delivery.id)).secret).toBeNull();
  });

  it('paces the messages to one destination, without using attempts, so that the service never has to refuse', async () => {
    const path = uniquePath('paced');
    const url = secrets.seal(receiver.url(path));
    const sent = Array.from({ length: 5 }, () => notification([{ type: 'slack', url }]));

    await Promise.all(sent.map((one) => deliveries.enqueue(one)));

    const views = await Promise.all(sent.map((one) => settled(one)));
    for (const [delivery] of views) {
      expect(delivery.status).toBe('delivered');
      expect(delivery.attempts.map((attempt) => attempt.attempt)).toEqual([1]);
    }
    const times = receiver
      .at(path)
      .map((request) => request.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(5);
    // Two in any 1.5 s: the third and fifth wait for the first and third to leave the window.
    expect(times[2] - times[0]).toBeGreaterThanOrEqual(1400);
    expect(times[4] - times[2]).toBeGreaterThanOrEqual(1400);
  });

  it('fails a delivery whose destination was sealed under another key, with the reason, and nothing else', async () => {
    const path = uniquePath('other-key');
    const foreign = new Sealer('another-webhook-secrets-key', 'webhook signing secrets').seal(
      receiver.url(path),
    );
    const sent = notification([{ type: 'slack', url: foreign }]);

    await deliveries.enqueue(sent);

    const [delivery] = await settled(sent);
    expect(delivery).toMatchObject({ channel: 'slack', status: 'failed', target: '…' });
    expect(delivery.attempts).toHaveLength(5);
    expect(delivery.attempts[0].error).toBe(
      "the channel's URL or bot token cannot be unsealed (WEBHOOK_SECRETS_KEY changed?): set the channel again",
    );
    expect(receiver.at(path)).toHaveLength(0);
  });
});
