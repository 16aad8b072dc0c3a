import { analyticsService, notificationsService } from './platform-services';
import { loadConfig } from '@northstar/config';
import type { RunningService } from '@northstar/service-runtime';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { e2eEnv, eventually, expectProblem, startTestService } from './support';
import { call, joinAs, newUser, createOrg, startTenancyStack, type TenancyStack } from './tenancy-support';
import type { SignedUpUser } from './users';

// Chat channels of alerts end to end: an admin adds Slack, Teams, Discord and Telegram channels through
// the gateway, one local HTTP server stands in for all four services (the Telegram Bot API through
// TELEGRAM_API_URL), and `POST /v1/alerts/:id/test` reaches each of them in its own format.

const runnerEnv = process.env;
const clickHouseEnv = {
  CLICKHOUSE_URL: runnerEnv['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123',
  CLICKHOUSE_DATABASE: runnerEnv['CLICKHOUSE_DATABASE'] || 'northstar_test',
  CLICKHOUSE_USER: runnerEnv['CLICKHOUSE_USER'] || 'default',
  CLICKHOUSE_PASSWORD: runnerEnv['CLICKHOUSE_PASSWORD'] || '',
};
const BOT_TOKEN = `424242:${randomBytes(24).toString('base64url')}`;

interface Received {
  path: string;
  body: Record<string, unknown>;
}

let stack: TenancyStack;
let url: string;
const services: RunningService[] = [];
let receiver: Server;
let base: string;
const received: Received[] = [];
let owner: SignedUpUser;
let viewer: SignedUpUser;
let projectId: string;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      const telegram = (request.url ?? '').startsWith('/telegram/');
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(telegram ? JSON.stringify({ ok: true, result: { message_id: 7 } }) : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const notificationsEnv = {
    QUEUE_PREFIX: `e2e-chats-${randomBytes(4).toString('hex')}`,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    DELIVERY_RETRY_DELAY_MS: '50',
    TELEGRAM_API_URL: `${base}/telegram`,
  };
  stack = await startTenancyStack();
  url = stack.url;
  await notificationsService.migrate?.(
    loadConfig(notificationsService.configClass, e2eEnv(notificationsEnv)),
  );
  services.push(await startTestService(analyticsService, clickHouseEnv));
  services.push(await startTestService(notificationsService, notificationsEnv));

  owner = await newUser(url, 'Chat Alert Owner');
  const org = await createOrg(url, owner, 'Chatting Org');
  viewer = await joinAs(url, org.id, owner, 'viewer');
  const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: 'Chatty shop',
    kind: 'hybrid',
  });
  projectId = project.body.id;
}, 120_000);

afterAll(async () => {
  // An alert left in the test database would be scheduled again by later runs: delete what was made.
  if (projectId) {
    const listed = await call<{ items: Alert[] }>(url, 'GET', `/projects/${projectId}/alerts`, owner);
    for (const alert of listed.body.items ?? []) await call(url, 'DELETE', `/alerts/${alert.id}`, owner);
  }
  for (const service of services.reverse()) await service.close();
  await stack?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

interface Alert {
  id: string;
  channels: Array<Record<string, string>>;
}

const ALERT = {
  name: 'Checkout <failures> & @channel',
  metric: 'events',
  comparator: 'gte',
  threshold: 5,
  windowSeconds: 600,
  everySeconds: 3600,
};

describe('chat channels of alerts through the gateway', () => {
  let alert: Alert;
  const slackUrl = () => `${base}/slack/T000/B000/slack-token-xyz`;
  const teamsUrl = () => `${base}/teams/workflows/1?sig=teams-signature`;
  const discordUrl = () => `${base}/discord/api/webhooks/1/discord-token`;

  it('an admin adds Slack, Teams, Discord and Telegram channels and reads them in full', async () => {
    const created = await call<Alert>(url, 'POST', `/projects/${projectId}/alerts`, owner, {
      ...ALERT,
      channels: [
        { type: 'slack', url: slackUrl() },
        { type: 'teams', url: teamsUrl() },
        { type: 'discord', url: discordUrl() },
        { type: 'telegram', botToken: BOT_TOKEN, chatId: -1001234567890 },
      ],
    });
    expect(created.status).toBe(201);
    alert = created.body;
    expect(alert.channels).toEqual([
      { type: 'slack', url: slackUrl() },
      { type: 'teams', url: teamsUrl() },
      { type: 'discord', url: discordUrl() },
      { type: 'telegram', botToken: BOT_TOKEN, chatId: '-1001234567890' },
    ]);
    const got = await call<Alert>(url, 'GET', `/alerts/${alert.id}`, owner);
    expect(got.body.channels).toEqual(alert.channels);
  });

  it('a viewer sees the URLs and the bot token redacted', async () => {
    const got = await call<Alert>(url, 'GET', `/alerts/${alert.id}`, viewer);
    expect(got.status).toBe(200);
    expect(got.body.channels).toEqual([
      { type: 'slack', url: `${base}/…` },
      { type: 'teams', url: `${base}/…` },
      { type: 'discord', url: `${base}/…` },
      { type: 'telegram', botToken: '424242:…', chatId: '-1001234567890' },
    ]);
    expect(JSON.stringify(got.body)).not.toMatch(/token|signature|sig=/);
  });

  it('refuses a chat channel that is not the service it names, or a malformed bot, naming the field', async () => {
    const answer = await call(url, 'POST', `/projects/${projectId}/alerts`, owner, {
      ...ALERT,
      channels: [
        { type: 'slack', url: 'https://hooks.example.com/services/x' },
        { type: 'discord', url: 'https://discord.com/channels/1/2' },
        { type: 'telegram', botToken: 'not-a-token', chatId: 'general' },
      ],
    });
    const problem = await expectProblem(answer.response, 400);
    expect(problem.errors?.map((error) => error.field).sort()).toEqual([
      'channels.2.botToken',
      'channels.2.chatId',
    ]);
    const hosts = await call(url, 'POST', `/projects/${projectId}/alerts`, owner, {
      ...ALERT,
      channels: [
        { type: 'slack', url: 'https://hooks.example.com/services/x' },
        { type: 'discord', url: 'https://discord.com/channels/1/2' },
      ],
    });
    const hostProblem = await expectProblem(hosts.response, 400);
    expect(hostProblem.errors).toEqual([
      { field: 'channels.0.url', message: 'a Slack incoming webhook URL is on hooks.slack.com' },
      { field: 'channels.1.url', message: 'a Discord webhook URL is https://discord.com/api/webhooks/…' },
    ]);
  });

  it('a test reaches every chat in its format, and the history shows them without secrets', async () => {
    const tested = await call<{ id: string }>(url, 'POST', `/alerts/${alert.id}/test`, owner);
    expect(tested.status).toBe(202);

    const byService = await eventually(() => {
      const of = (prefix: string) => received.find((request) => request.path.startsWith(prefix));
      const found = {
        slack: of('/slack/'),
        teams: of('/teams/'),
        discord: of('/discord/'),
        telegram: of('/telegram/'),
      };
      for (const [name, request] of Object.entries(found))
        if (!request) throw new Error(`nothing to ${name} yet`);
      return found as Record<keyof typeof found, Received>;
    });
    const link = `/projects/${projectId}/alerts/${alert.id}`;

    expect(byService.slack.path).toBe('/slack/T000/B000/slack-token-xyz');
    expect(byService.slack.body['text']).toMatch(
      /^Test notification for Checkout &lt;failures&gt; &amp; @\u200bchannel/,
    );
    expect(JSON.stringify(byService.slack.body['blocks'])).toContain(link);

    expect(byService.teams.path).toBe('/teams/workflows/1?sig=teams-signature');
    expect(byService.teams.body).toMatchObject({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } },
      ],
    });

    expect(byService.discord.body).toMatchObject({
      content: '',
      allowed_mentions: { parse: [] },
      embeds: [{ title: 'Test notification for Checkout <failures> & @channel', color: 0x2e90fa }],
    });

    expect(byService.telegram.path).toBe(`/telegram/bot${BOT_TOKEN}/sendMessage`);
    expect(byService.telegram.body).toMatchObject({
      chat_id: '-1001234567890',
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    });
    expect(byService.telegram.body['text']).toContain(link);

    const history = await eventually(async () => {
      const answer = await call<{
        items: Array<{ id: string; deliveries: Array<{ channel: string; target: string; status: string }> }>;
      }>(url, 'GET', `/alerts/${alert.id}/history`, owner);
      const deliveries = answer.body.items[0]?.deliveries ?? [];
      if (deliveries.some((delivery) => delivery.status !== 'delivered')) throw new Error('still pending');
      return answer.body;
    });
    expect(history.items[0].id).toBe(tested.body.id);
    expect(
      history.items[0].deliveries.map((delivery) => [delivery.channel, delivery.target, delivery.status]),
    ).toEqual([
      ['slack', `${base}/…`, 'delivered'],
      ['teams', `${base}/…`, 'delivered'],
      ['discord', `${base}/…`, 'delivered'],
      ['telegram', 'telegram:-1001234567890', 'delivered'],
    ]);
    expect(JSON.stringify(history)).not.toContain(BOT_TOKEN.split(':')[1]);
  });

  it('documents the chat channels in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${url}/docs-json`)).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, { description?: string }> }> };
    };
    for (const name of ['Slack', 'Teams', 'Discord', 'Telegram']) {
      expect(doc.components.schemas).toHaveProperty(`Alert${name}ChannelInput`);
      expect(doc.components.schemas).toHaveProperty(`Alert${name}ChannelDto`);
    }
    expect(doc.components.schemas['AlertSlackChannelInput'].properties?.['url']?.description).toContain(
      'hooks.slack.com',
    );
    expect(doc.components.schemas['AlertTelegramChannelDto'].properties?.['botToken']?.description).toContain(
      'admins and owners',
    );
  });
});
