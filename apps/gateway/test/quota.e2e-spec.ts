import {
  analyticsService,
  identityService,
  ingestionService,
  keysService,
  notificationsService,
  tenancyService,
} from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { startTestSmtp, type TestSmtp } from '@northstar/testing';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { QuotaClock } from '../src/quota/event-quota';
import {
  e2eClickhouseEnv,
  e2eEnv,
  eventually,
  expectProblem,
  migrateService,
  startTestGateway,
  startTestService,
} from './support';
import { call, createOrg, newUser } from './tenancy-support';
import type { SignedUpUser } from './users';

// The monthly event quota as an SDK and an owner meet it: the quota headers on every ingestion answer,
// the grace past the quota, then 429 `quota-exceeded` with a Retry-After until the month ends; the
// count shared by two gateways; the owners' notices at 80 % and 100 %, once each; a counter Redis lost
// raised again to the events ClickHouse holds.

const LIMIT = 20;
const GRACE_PERCENT = 25; // 20 events, then 5 more
const PLAN = `e2e-quota-${randomBytes(3).toString('hex')}`;

const services: RunningService[] = [];
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
let owner: SignedUpUser;
let orgId: string;
let key: string;
let database: Client;
let smtp: TestSmtp;

beforeAll(async () => {
  database = new Client({ connectionString: e2eEnv()['DATABASE_URL'] });
  await database.connect();
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(ingestionService);
  await migrateService(analyticsService);
  await migrateService(notificationsService);
  // An operator's own plan, as docs/accounts.md says to add one: a quota small enough to reach.
  await database.query(
    `insert into tenancy.plans (id, name, monthly_events, retention_days, max_projects, max_members, max_keys, position)
     values ($1, 'Quota E2E', $2, 30, 3, 5, 10, 99)`,
    [PLAN, LIMIT],
  );
  const clickhouse = e2eClickhouseEnv();
  smtp = await startTestSmtp();
  try {
    services.push(await startTestService(identityService));
    services.push(await startTestService(tenancyService));
    services.push(await startTestService(keysService));
    services.push(await startTestService(ingestionService, clickhouse));
    services.push(await startTestService(analyticsService, clickhouse));
    services.push(
      await startTestService(notificationsService, {
        ...clickhouse,
        QUEUE_PREFIX: `e2e-quota-${randomBytes(4).toString('hex')}`,
        SMTP_URL: smtp.url,
      }),
    );
    // Counts shared every 100 ms and reconciled every second, so the test waits little.
    const env = {
      QUOTA_GRACE_PERCENT: String(GRACE_PERCENT),
      QUOTA_SYNC_MS: '100',
      QUOTA_RECONCILE_MS: '1000',
    };
    gatewayA = await startTestGateway(env);
    gatewayB = await startTestGateway(env);
  } catch (error) {
    await gatewayA?.close();
    for (const service of services.reverse()) await service.close();
    throw error;
  }
  owner = await newUser(gatewayA.url, 'Quota Owner');
  orgId = (await createOrg(gatewayA.url, owner, 'Quota E2E', { plan: PLAN })).id;
  const project = await call<{ id: string }>(gatewayA.url, 'POST', `/orgs/${orgId}/projects`, owner, {
    name: 'Quota App',
    kind: 'web2',
  });
  const created = await call<{ key: string }>(
    gatewayA.url,
    'POST',
    `/projects/${project.body.id}/keys`,
    owner,
    {
      name: 'Quota SDK',
      scopes: ['events:write'],
    },
  );
  expect([project.status, created.status]).toEqual([201, 201]);
  key = created.body.key;
}, 120_000);

afterAll(async () => {
  await gatewayB?.close();
  await gatewayA?.close();
  for (const service of services.reverse()) await service.close();
  await smtp?.stop();
  await database?.query(`update tenancy.organisations set plan_id = 'free' where plan_id = $1`, [PLAN]);
  await database?.query(`delete from tenancy.plans where id = $1`, [PLAN]);
  await database?.end();
});

function send(gateway: RunningGateway, events: number): Promise<Response> {
  return fetch(`${gateway.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      batch: Array.from({ length: events }, () => ({
        type: 'track',
        event: 'Quota Tested',
        userId: 'quota-user',
        messageId: randomUUID(),
      })),
    }),
  });
}

function quotaHeaders(response: Response) {
  return {
    limit: response.headers.get('x-quota-limit'),
    remaining: response.headers.get('x-quota-remaining'),
    reset: Number(response.headers.get('x-quota-reset')),
  };
}

const secondsToMonthEnd = () => {
  const now = new Date();
  return (Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - now.getTime()) / 1000;
};

async function quotaNotices(): Promise<{ kind: string; title: string; projectId: string | null }[]> {
  const inbox = await call<{ items: { kind: string; title: string; projectId: string | null }[] }>(
    gatewayA.url,
    'GET',
    '/me/notifications',
    owner,
  );
  expect(inbox.status).toBe(200);
  // A forecast may come too, depending on the day of the month the test runs.
  return inbox.body.items.filter((item) => item.kind === 'quota-80' || item.kind === 'quota-100');
}

/** The events the organisation used this month, as GET /v1/orgs/:orgId/plan says through `gateway`. */
async function eventsUsed(gateway: RunningGateway): Promise<number> {
  const answer = await call<{ usage: { events: number } }>(gateway.url, 'GET', `/orgs/${orgId}/plan`, owner);
  expect(answer.status).toBe(200);
  return answer.body.usage.events;
}

it('says the quota on every answer, warns at 80 %, takes the grace, then refuses until the month ends', async () => {
  const first = await send(gatewayA, 8);
  expect(first.status).toBe(202);
  const headers = quotaHeaders(first);
  expect(headers).toMatchObject({ limit: String(LIMIT), remaining: '12' });
  expect(Math.abs(headers.reset - secondsToMonthEnd())).toBeLessThan(5);

  // Once the first gateway shared its count (every 100 ms here), the other one counts from there.
  await eventually(async () => expect(await eventsUsed(gatewayB)).toBe(8));
  const second = await send(gatewayB, 1);
  expect([second.status, quotaHeaders(second).remaining]).toEqual([202, '11']);

  // Past 80 %: the organisation's inbox says so, once.
  expect((await send(gatewayB, 8)).status).toBe(202);
  await eventually(
    async () => expect((await quotaNotices()).map((item) => item.kind)).toEqual(['quota-80']),
    {
      timeoutMs: 15_000,
    },
  );

  // Up to the quota and into the grace (25 events in all): accepted, nothing remaining.
  const full = await send(gatewayB, 4);
  expect([full.status, quotaHeaders(full).remaining]).toEqual([202, '0']);
  expect((await send(gatewayB, 4)).status).toBe(202);

  // Past quota and grace: refused whole, with the reset as Retry-After, on both gateways (the other
  // one as soon as it synced).
  for (const gateway of [gatewayB, gatewayA]) {
    await eventually(
      async () => {
        const refused = await send(gateway, 1);
        const problem = await expectProblem(refused, 429);
        expect(problem.type).toMatch(/\/quota-exceeded$/);
        expect(quotaHeaders(refused).remaining).toBe('0');
        expect(refused.headers.get('retry-after')).toBe(refused.headers.get('x-quota-reset'));
        expect(Math.abs(Number(refused.headers.get('retry-after')) - secondsToMonthEnd())).toBeLessThan(5);
      },
      { timeoutMs: 10_000 },
    );
  }
}, 60_000);

it('tells the organisation at 100 % too, each warning once however many gateways saw it', async () => {
  await eventually(
    async () => {
      const notices = await quotaNotices();
      expect(notices.map((item) => item.kind).sort()).toEqual(['quota-100', 'quota-80']);
      expect(notices.find((item) => item.kind === 'quota-100')).toMatchObject({
        title: 'The monthly event quota is used up',
        projectId: null,
      });
    },
    { timeoutMs: 15_000 },
  );
  // The owner's email says it too, linking to the organisation's usage; one per warning.
  const to = owner.email.toLowerCase();
  const mail = await smtp.waitFor((m) => m.to.includes(to) && /quota is used up/.test(m.subject), 20_000);
  expect(mail.subject).toBe('Quota E2E: The monthly event quota is used up');
  expect(mail.text).toContain(`/orgs/${orgId}/usage`);
  await smtp.waitFor((m) => m.to.includes(to) && /80% of the monthly event quota/.test(m.subject), 20_000);
  expect(smtp.messages.filter((m) => m.to.includes(to) && /quota is used up/.test(m.subject))).toHaveLength(
    1,
  );
}, 60_000);

it('raises a counter Redis lost to the events ClickHouse holds', async () => {
  const redis = new Redis(e2eEnv()['REDIS_URL'] ?? '');
  try {
    const period = new Date().toISOString().slice(0, 7);
    const counter = `gateway:quota:{${orgId}}:${period}:events`;
    await eventually(async () => expect(Number(await redis.get(counter))).toBeGreaterThanOrEqual(LIMIT));
    await redis.del(counter);
    // Reconciled every second from what was stored (at least the 20 accepted before the refusals).
    await eventually(async () => expect(Number(await redis.get(counter))).toBeGreaterThanOrEqual(LIMIT), {
      timeoutMs: 20_000,
    });
  } finally {
    redis.disconnect();
  }
}, 60_000);

it('accepts events again when the month turns, counting from zero', async () => {
  const now = new Date();
  const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const monthAfter = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1);
  // This month's quota is spent (whether this last request still fell in the grace or not), once the
  // gateway synced the counter the last test restored.
  await eventually(async () => expect(quotaHeaders(await send(gatewayA, 1)).remaining).toBe('0'));
  // Both gateways' quota clocks a second into the next month, instead of waiting for it.
  for (const gateway of [gatewayA, gatewayB])
    gateway.app.get(QuotaClock).offsetMs = nextMonth + 1000 - Date.now();
  try {
    const accepted = await send(gatewayA, 3);
    expect(accepted.status).toBe(202);
    const headers = quotaHeaders(accepted);
    expect(headers.remaining).toBe(String(LIMIT - 3));
    // The reset is now the end of the new month.
    expect(Math.abs(headers.reset - (monthAfter - nextMonth) / 1000)).toBeLessThan(5);
  } finally {
    for (const gateway of [gatewayA, gatewayB]) gateway.app.get(QuotaClock).offsetMs = 0;
  }
});
