import {
  analyticsService,
  chainsService,
  identityService,
  ingestionService,
  keysService,
  tenancyService,
} from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { e2eClickhouseEnv, eventually, migrateService, startTestGateway, startTestService } from './support';
import { createOrg, newUser } from './tenancy-support';
import type { SignedUpUser } from './users';

// Analytics over the whole pipeline: events go in through POST /v1/batch with a key, the gateway
// queues them on JetStream, ingestion writes them to ClickHouse, and every analytics endpoint must
// then answer exactly what was sent, a batch sent twice counted once.

const clickhouseEnv = e2eClickhouseEnv();

const HOUR_MS = 3_600_000;
// A whole UTC day a week ago: closed hours, so the summary and the series read the hourly roll-up.
const now = new Date();
const DAY = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 7);
const at = (hour: number, minute = 0) => new Date(DAY + hour * HOUR_MS + minute * 60_000).toISOString();
const RANGE = `from=${at(0)}&to=${at(24)}`;

// Two wallets; the first also sent in its checksum case, which the platform stores lower-case.
const WALLET_A = '0x52908400098527886e0f7030069857d2e4169ee7';
const WALLET_A_CHECKSUM = '0x52908400098527886E0F7030069857D2E4169EE7';
const WALLET_B = '0x8617e340b3d01fa5f11f306f4090fd50e238070d';

interface SentEvent {
  messageId: string;
  type: string;
  event?: string;
  name?: string;
  userId?: string;
  anonymousId?: string;
  timestamp: string;
  context: Record<string, unknown>;
  properties?: Record<string, unknown>;
  web3?: Record<string, unknown>;
}

type Fields = Omit<SentEvent, 'messageId' | 'context' | 'userId' | 'anonymousId'>;
interface Person {
  ids: Pick<SentEvent, 'userId' | 'anonymousId'>;
  sessionId: string;
}
const ALICE: Person = { ids: { userId: 'alice' }, sessionId: 'session-alice' };
const BOB: Person = { ids: { userId: 'bob' }, sessionId: 'session-bob' };
// A visitor who never logged in: known by the anonymous id alone.
const VISITOR: Person = { ids: { anonymousId: 'anon-visitor' }, sessionId: 'session-visitor' };

const run = randomUUID();
let sequence = 0;
// Sessions are sent by the SDK, so the session count does not depend on ingestion's own sessions.
function sent(person: Person, fields: Fields, path?: string): SentEvent {
  sequence += 1;
  const context = {
    sessionId: person.sessionId,
    ...(path === undefined ? {} : { page: { path, url: `https://shop.example${path}` } }),
  };
  return { messageId: `${run}-${sequence}`, ...person.ids, ...fields, context };
}

const FIRST_BATCH: SentEvent[] = [
  sent(ALICE, { type: 'track', event: 'Signed Up', timestamp: at(9, 5) }),
  sent(ALICE, { type: 'page', name: 'Home', timestamp: at(9, 20) }, '/'),
  sent(BOB, { type: 'track', event: 'Order Completed', timestamp: at(9, 30), properties: { total: 12 } }),
  sent(ALICE, { type: 'track', event: 'Order Completed', timestamp: at(9, 40), properties: { total: 30 } }),
  sent(BOB, { type: 'track', event: 'Signed Up', timestamp: at(10, 10) }),
  sent(BOB, { type: 'page', name: 'Pricing', timestamp: at(10, 15) }, '/pricing'),
  sent(ALICE, {
    type: 'wallet',
    event: 'connect',
    timestamp: at(10, 20),
    web3: { walletAddress: WALLET_A_CHECKSUM },
  }),
  sent(ALICE, {
    type: 'transaction',
    event: 'Swap',
    timestamp: at(10, 25),
    web3: { chainId: 1, walletAddress: WALLET_A, txHash: `0x${'a1'.repeat(32)}`, status: 'success' },
  }),
  sent(VISITOR, { type: 'track', event: 'Signed Up', timestamp: at(11, 0) }),
  sent(VISITOR, { type: 'page', name: 'Home', timestamp: at(11, 5) }, '/'),
  sent(BOB, { type: 'wallet', event: 'connect', timestamp: at(11, 30), web3: { walletAddress: WALLET_B } }),
  sent(BOB, {
    type: 'transaction',
    event: 'Swap',
    timestamp: at(11, 45),
    web3: { chainId: 1, walletAddress: WALLET_B, txHash: `0x${'b2'.repeat(32)}`, status: 'failed' },
  }),
  sent(VISITOR, {
    type: 'track',
    event: 'Product Viewed',
    timestamp: at(14, 0),
    properties: { sku: 'SKU-1' },
  }),
];

const viewedAgain: SentEvent = { ...FIRST_BATCH[12], messageId: `${run}-again` };
// A retry of one event (same messageId, dropped) next to the same action done again (a new one).
const THIRD_BATCH: SentEvent[] = [FIRST_BATCH[8], viewedAgain];
// Every event that must be stored once: the first batch and the one with a new messageId.
const STORED: SentEvent[] = [...FIRST_BATCH, viewedAgain];

const services: RunningService[] = [];
let gateway: RunningGateway;
let url: string;
let owner: SignedUpUser;
let projectId: string;
let key: string;

/** Calls the API with a bearer credential (a user's access token or a key); parses the JSON answer. */
async function api<T>(
  method: 'GET' | 'POST',
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function expectCreated<T>(method: 'POST', path: string, body: unknown): Promise<T> {
  const answer = await api<T>(method, path, owner.accessToken, body);
  if (answer.status !== 201) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const analytics = <T>(path: string, token = owner.accessToken) =>
  api<T>('GET', `/projects/${projectId}/analytics/${path}`, token);

interface ListedEvent {
  messageId: string;
  type: string;
  event: string;
  userId: string;
  anonymousId: string;
  timestamp: string;
}
interface EventsPage {
  items: ListedEvent[];
  nextCursor: string | null;
}

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(chainsService);
  // Ingestion first: the analytics roll-up reads its events table.
  await migrateService(ingestionService);
  await migrateService(analyticsService);
  try {
    services.push(await startTestService(identityService));
    services.push(await startTestService(tenancyService));
    services.push(await startTestService(keysService));
    services.push(await startTestService(chainsService));
    services.push(await startTestService(ingestionService, clickhouseEnv));
    services.push(await startTestService(analyticsService, clickhouseEnv));
    gateway = await startTestGateway();
    url = gateway.url;
  } catch (error) {
    await gateway?.close();
    for (const service of services.reverse()) await service.close();
    throw error;
  }

  owner = await newUser(url, 'Pipeline Owner');
  const org = await createOrg(url, owner, 'Pipeline Org');
  const project = await expectCreated<{ id: string; timezone: string }>('POST', `/orgs/${org.id}/projects`, {
    name: 'Pipeline shop',
    kind: 'hybrid',
    timezone: 'UTC',
  });
  expect(project.timezone).toBe('UTC');
  projectId = project.id;
  key = (
    await expectCreated<{ key: string }>('POST', `/projects/${projectId}/keys`, {
      name: 'pipeline e2e',
      scopes: ['events:write', 'analytics:read'],
    })
  ).key;

  for (const batch of [FIRST_BATCH, FIRST_BATCH, THIRD_BATCH]) {
    const answer = await api<{ rejected: unknown[] }>('POST', '/batch', key, { batch });
    expect({ status: answer.status, rejected: answer.body.rejected }).toEqual({ status: 202, rejected: [] });
  }

  // Written once every stored event is listed. The duplicates were sent before the last batch, so a
  // duplicate that got through would be written by then too.
  const wanted = STORED.map((event) => event.messageId);
  await eventually(
    async () => {
      const listed = await analytics<EventsPage>(`events?${RANGE}&limit=200`);
      const seen = new Set(listed.body.items?.map((item) => item.messageId));
      const missing = wanted.filter((id) => !seen.has(id));
      if (missing.length > 0) throw new Error(`${missing.length} events not written yet`);
    },
    { timeoutMs: 45_000, intervalMs: 250 },
  );
}, 150_000);

afterAll(async () => {
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
});

// `approximate` turns true once the analytics service's roll-up job has rolled the events' hours.
const EXPECTED_SUMMARY = {
  approximate: expect.any(Boolean),
  events: 14,
  users: 3,
  sessions: 3,
  pageviews: 3,
  web3: { transactions: 2, wallets: 2, failedTransactions: 1 },
};

describe('analytics of events ingested through the pipeline', () => {
  it('sums up the events as sent, a duplicate messageId once and a new one as a new event', async () => {
    const summary = await analytics(`summary?${RANGE}`);
    expect(summary).toEqual({ status: 200, body: EXPECTED_SUMMARY });
  });

  it('answers the hourly series with the events in their hours and zeros elsewhere', async () => {
    const perHour: Record<number, number> = { 9: 4, 10: 4, 11: 4, 14: 2 };
    const series = await analytics(`timeseries?${RANGE}&metric=events&interval=hour&tz=UTC`);
    expect(series).toEqual({
      status: 200,
      body: {
        interval: 'hour',
        approximate: false,
        points: Array.from({ length: 24 }, (_, hour) => ({ t: at(hour), value: perHour[hour] ?? 0 })),
      },
    });
  });

  it('ranks the events by count with their distinct users', async () => {
    const top = await analytics(`top?${RANGE}&dimension=event`);
    expect(top).toEqual({
      status: 200,
      body: {
        approximate: expect.any(Boolean),
        items: [
          { value: 'Signed Up', count: 3, users: 3 },
          { value: 'Order Completed', count: 2, users: 2 },
          { value: 'Product Viewed', count: 2, users: 1 },
          { value: 'Swap', count: 2, users: 2 },
          { value: 'connect', count: 2, users: 2 },
        ],
      },
    });
  });

  it('counts in the funnel only those who did the steps in order', async () => {
    // Alice signed up then ordered; Bob ordered before signing up; the visitor only signed up.
    const funnel = await api('POST', `/projects/${projectId}/analytics/funnel?${RANGE}`, owner.accessToken, {
      steps: [{ event: 'Signed Up' }, { event: 'Order Completed' }],
      windowSeconds: 3600,
    });
    expect(funnel).toEqual({
      status: 200,
      body: {
        steps: [
          { event: 'Signed Up', users: 3, conversion: 1 },
          { event: 'Order Completed', users: 1, conversion: 0.3333 },
        ],
      },
    });
  });

  it('lists every stored event once, newest first', async () => {
    const listed = await analytics<EventsPage>(`events?${RANGE}&limit=200`);
    expect(listed.status).toBe(200);
    expect(listed.body.nextCursor).toBeNull();
    const shown = listed.body.items.map((item) => ({
      messageId: item.messageId,
      type: item.type,
      event: item.event,
      userId: item.userId,
      anonymousId: item.anonymousId,
      timestamp: item.timestamp,
    }));
    const expected = STORED.map((event) => ({
      messageId: event.messageId,
      type: event.type,
      event: event.event ?? '',
      userId: event.userId ?? '',
      anonymousId: event.anonymousId ?? '',
      timestamp: event.timestamp,
    }));
    const newestFirst = (times: string[]) => [...times].sort().reverse();
    expect(shown.map((item) => item.timestamp)).toEqual(newestFirst(expected.map((item) => item.timestamp)));
    // Events at the same instant have no order of their own: compare them as a set.
    const byMessageId = (a: { messageId: string }, b: { messageId: string }) =>
      a.messageId.localeCompare(b.messageId);
    expect([...shown].sort(byMessageId)).toEqual([...expected].sort(byMessageId));
  });

  it('answers a key with analytics:read the same summary as the user', async () => {
    expect(await analytics(`summary?${RANGE}`, key)).toEqual({ status: 200, body: EXPECTED_SUMMARY });
  });
});
