import { analyticsService, notificationsService } from './platform-services';
import { loadConfig } from '@northstar/config';
import type { RunningService } from '@northstar/service-runtime';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { e2eEnv, eventually, expectProblem, startTestService } from './support';
import { call, joinAs, newUser, createOrg, startTenancyStack, type TenancyStack } from './tenancy-support';
import { signUp, uniqueEmail, type SignedUpUser } from './users';

// Alerts end to end: identity, tenancy, analytics and notifications behind the gateway, a webhook
// receiver on 127.0.0.1, and the in-app notification read by a member through /v1/me/notifications.

const runnerEnv = process.env;
const clickHouseEnv = {
  CLICKHOUSE_URL: runnerEnv['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123',
  CLICKHOUSE_DATABASE: runnerEnv['CLICKHOUSE_DATABASE'] || 'northstar_test',
  CLICKHOUSE_USER: runnerEnv['CLICKHOUSE_USER'] || 'default',
  CLICKHOUSE_PASSWORD: runnerEnv['CLICKHOUSE_PASSWORD'] || '',
};
const notificationsEnv = {
  QUEUE_PREFIX: `e2e-alerts-${randomBytes(4).toString('hex')}`,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  DELIVERY_RETRY_DELAY_MS: '50',
  // Small, so that the limit is reached within the test.
  ALERT_TEST_SENDS_PER_USER_PER_HOUR: '2',
};

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

let stack: TenancyStack;
let url: string;
const services: RunningService[] = [];
let receiver: Server;
let hookUrl: string;
const received: Received[] = [];
let owner: SignedUpUser;
let viewer: SignedUpUser;
let member: SignedUpUser;
let outsider: SignedUpUser;
let projectId: string;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, raw: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/northstar`;

  stack = await startTenancyStack();
  url = stack.url;
  await notificationsService.migrate?.(
    loadConfig(notificationsService.configClass, e2eEnv(notificationsEnv)),
  );
  services.push(await startTestService(analyticsService, clickHouseEnv));
  services.push(await startTestService(notificationsService, notificationsEnv));

  owner = await newUser(url, 'Alert Owner');
  const org = await createOrg(url, owner, 'Alerting Org');
  viewer = await joinAs(url, org.id, owner, 'viewer');
  member = await joinAs(url, org.id, owner, 'member');
  outsider = await newUser(url, 'Alert Outsider');
  await createOrg(url, outsider, 'Elsewhere');
  const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: 'Shop',
    kind: 'hybrid',
  });
  projectId = project.body.id;
}, 120_000);

afterAll(async () => {
  // An alert left in the test database would be scheduled again by every later run's notifications
  // service: delete what this file made.
  if (projectId) {
    const listed = await call<{ items: Alert[] }>(
      url,
      'GET',
      `/projects/${projectId}/alerts?limit=200`,
      owner,
    );
    for (const alert of listed.body.items ?? []) await call(url, 'DELETE', `/alerts/${alert.id}`, owner);
  }
  for (const service of services.reverse()) await service.close();
  await stack?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

interface Alert {
  id: string;
  projectId: string;
  name: string;
  channels: Array<{ type: string; url?: string; secret?: string; secretHint?: string }>;
  state: string;
}

interface Notification {
  id: string;
  kind: string;
  alertId: string | null;
  projectId: string;
  readAt: string | null;
}

const ALERT = {
  name: 'Checkout failures',
  metric: 'events',
  filter: { event: 'Checkout Failed' },
  comparator: 'gte',
  threshold: 5,
  windowSeconds: 600,
  everySeconds: 3600,
};

describe('alerts through the gateway', () => {
  let alert: Alert;
  let secret: string;

  it('an admin creates an alert: 201, the generated webhook secret shown once and never cached', async () => {
    const created = await call<Alert>(url, 'POST', `/projects/${projectId}/alerts`, owner, {
      ...ALERT,
      channels: [{ type: 'webhook', url: hookUrl }, { type: 'in_app' }],
    });
    expect(created.status).toBe(201);
    expect(created.response.headers.get('cache-control')).toBe('no-store');
    alert = created.body;
    secret = alert.channels[0].secret ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(alert).toMatchObject({ projectId, name: 'Checkout failures', state: 'ok' });
  });

  it('a viewer lists and reads it, without the secret and with the webhook URL redacted', async () => {
    const listed = await call<{ items: Alert[] }>(url, 'GET', `/projects/${projectId}/alerts`, viewer);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item) => item.id)).toEqual([alert.id]);
    const got = await call<Alert>(url, 'GET', `/alerts/${alert.id}`, viewer);
    expect(got.status).toBe(200);
    const redacted = `${new URL(hookUrl).origin}/…`;
    expect(got.body.channels[0]).toEqual({ type: 'webhook', url: redacted, secretHint: secret.slice(-4) });
    expect(listed.body.items[0].channels[0].url).toBe(redacted);
    expect(JSON.stringify([listed.body, got.body])).not.toContain(secret);
    expect(JSON.stringify([listed.body, got.body])).not.toContain('/northstar');
    // A member sees it redacted too; the owner, who manages it, in full.
    const byMember = await call<Alert>(url, 'GET', `/alerts/${alert.id}`, member);
    expect(byMember.body.channels[0].url).toBe(redacted);
    const byOwner = await call<Alert>(url, 'GET', `/alerts/${alert.id}`, owner);
    expect(byOwner.body.channels[0].url).toBe(hookUrl);
  });

  it('a viewer may not change it (403), a stranger does not see it (404)', async () => {
    const patched = await call(url, 'PATCH', `/alerts/${alert.id}`, viewer, { threshold: 1 });
    await expectProblem(patched.response, 403);
    await expectProblem((await call(url, 'GET', `/alerts/${alert.id}`, outsider)).response, 404);
    await expectProblem((await call(url, 'GET', `/alerts/${alert.id}/history`, outsider)).response, 404);
    await expectProblem((await call(url, 'POST', `/alerts/${alert.id}/test`, outsider)).response, 404);
  });

  it('creating an alert needs a verified email (403); email channels go to verified members only (400)', async () => {
    const unverified = await signUp(url, { email: uniqueEmail('alerts-unverified'), name: 'Not Yet' });
    const org = await createOrg(url, unverified, 'Unverified Org');
    const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, unverified, {
      name: 'Theirs',
      kind: 'hybrid',
    });
    expect(project.status).toBe(201);
    const refused = await call(url, 'POST', `/projects/${project.body.id}/alerts`, unverified, {
      ...ALERT,
      channels: [{ type: 'in_app' }],
    });
    const problem = await expectProblem(refused.response, 403);
    expect(problem.detail).toMatch(/verify your email/i);
    expect(problem.type).toMatch(/\/problems\/email-not-verified$/);

    const stranger = await call(url, 'POST', `/projects/${projectId}/alerts`, owner, {
      ...ALERT,
      channels: [
        { type: 'email', to: member.email },
        { type: 'email', to: outsider.email },
      ],
    });
    const invalid = await expectProblem(stranger.response, 400);
    expect(invalid.errors).toEqual([
      { field: 'channels.1.to', message: 'must be the verified email of a member of the organisation' },
    ]);
  });

  it('an invalid alert is a 400 problem naming each field, down to the channel', async () => {
    const answer = await call(url, 'POST', `/projects/${projectId}/alerts`, owner, {
      ...ALERT,
      windowSeconds: 10,
      channels: [{ type: 'in_app' }, { type: 'webhook', url: 'ftp://example.com/hook' }, { type: 'sms' }],
    });
    const problem = await expectProblem(answer.response, 400);
    expect(problem.errors?.map((error) => error.field).sort()).toEqual([
      'channels.1.url',
      'channels.2.type',
      'windowSeconds',
    ]);
  });

  it('a test notifies every channel (202): the signed webhook arrives, a member reads it in-app', async () => {
    const tested = await call<{ id: string }>(url, 'POST', `/alerts/${alert.id}/test`, owner);
    expect(tested.status).toBe(202);

    const webhook = await eventually(() => {
      const found = received.find((request) => request.headers['x-northstar-delivery'] !== undefined);
      if (!found) throw new Error('no webhook yet');
      return found;
    });
    const signature = `sha256=${createHmac('sha256', secret).update(webhook.raw).digest('hex')}`;
    expect(webhook.headers['x-northstar-signature']).toBe(signature);
    // A Standard Webhooks receiver verifies it with the secret as the API showed it.
    const verified = new Webhook(secret).verify(webhook.raw, webhook.headers as Record<string, string>);
    expect(verified).toMatchObject({ id: webhook.headers['webhook-id'], type: 'alert.test' });
    expect(JSON.parse(webhook.raw.toString('utf8'))).toMatchObject({
      type: 'alert.test',
      alert: { id: alert.id },
    });

    const inbox = await eventually(async () => {
      const listed = await call<{ items: Notification[] }>(url, 'GET', '/me/notifications', member);
      expect(listed.status).toBe(200);
      const mine = listed.body.items.find((item) => item.alertId === alert.id);
      if (!mine) throw new Error('not in the inbox yet');
      return mine;
    });
    expect(inbox).toMatchObject({ kind: 'test', projectId, readAt: null });
    expect(
      (await call<{ items: Notification[] }>(url, 'GET', '/me/notifications', outsider)).body.items.map(
        (item) => item.alertId,
      ),
    ).not.toContain(alert.id);

    const read = await call(url, 'POST', `/me/notifications/${inbox.id}/read`, member);
    expect(read.status).toBe(204);
    const after = await call<{ items: Notification[] }>(url, 'GET', '/me/notifications', member);
    expect(after.body.items.find((item) => item.id === inbox.id)?.readAt).toEqual(expect.any(String));
    await expectProblem(
      (await call(url, 'POST', `/me/notifications/${inbox.id}/read`, outsider)).response,
      404,
    );

    const history = await call<{ items: Array<{ id: string; kind: string; deliveries: unknown[] }> }>(
      url,
      'GET',
      `/alerts/${alert.id}/history`,
      viewer,
    );
    expect(history.status).toBe(200);
    expect(history.body.items[0]).toMatchObject({ id: tested.body.id, kind: 'test' });
    expect(history.body.items[0].deliveries).toHaveLength(2);
  });

  it('test sends past the hourly limit are a 429 problem with Retry-After', async () => {
    // The test above sent one; the limit of this run is two per user and hour.
    expect((await call(url, 'POST', `/alerts/${alert.id}/test`, owner)).status).toBe(202);
    const refused = await call(url, 'POST', `/alerts/${alert.id}/test`, owner);
    const problem = await expectProblem(refused.response, 429);
    expect(problem.type).toMatch(/\/problems\/rate-limited$/);
    const retryAfter = Number(refused.response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });

  it('documents the routes and the channel union in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { description?: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/projects/{projectId}/alerts',
        '/v1/alerts/{alertId}',
        '/v1/alerts/{alertId}/history',
        '/v1/alerts/{alertId}/test',
        '/v1/me/notifications',
        '/v1/me/notifications/{id}/read',
      ]),
    );
    expect(doc.paths['/v1/projects/{projectId}/alerts']['post'].description).toContain('secretHint');
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'AlertEmailChannelInput',
        'AlertWebhookChannelInput',
        'AlertInAppChannelInput',
      ]),
    );
    const webhookInput = doc.components.schemas['AlertWebhookChannelInput'] as {
      properties: { secret: { description: string } };
    };
    expect(webhookInput.properties.secret.description).toContain('webhook-signature');
    const webhookChannel = doc.components.schemas['AlertWebhookChannelDto'] as {
      properties: { url: { description: string } };
    };
    expect(webhookChannel.properties.url.description).toContain('redacted');
    const test = doc.paths['/v1/alerts/{alertId}/test']['post'] as {
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    expect(test.responses['429']?.headers).toHaveProperty('Retry-After');
  });

  it('an admin deletes it: 204, then 404', async () => {
    expect((await call(url, 'DELETE', `/alerts/${alert.id}`, owner)).status).toBe(204);
    await expectProblem((await call(url, 'GET', `/alerts/${alert.id}`, owner)).response, 404);
  });
});
