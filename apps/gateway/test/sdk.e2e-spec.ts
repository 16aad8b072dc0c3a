import { identityService, ingestionService, keysService, tenancyService } from './platform-services';
import { sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { createClient, type FetchLike, type SdkError, type SdkEvent } from '@northstar/sdk';
import type { RunningService } from '@northstar/service-runtime';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  e2eClickHouseClient,
  e2eClickhouseEnv,
  eventually,
  migrateService,
  startTestGateway,
  startTestService,
} from './support';
import { newProjectKey } from './tenancy-support';

// @northstar/sdk (its source, as Node runs it) against the real gateway and ingestion: what the SDK
// sends ends up in ClickHouse, once, through 503s, a lost answer and a 429 with Retry-After.

const clickhouseEnv = e2eClickhouseEnv();
const services: RunningService[] = [];
let gateway: RunningGateway;
let clickhouse: ClickHouseClient;

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(ingestionService);
  services.push(await startTestService(identityService));
  services.push(await startTestService(tenancyService));
  services.push(await startTestService(keysService));
  services.push(await startTestService(ingestionService, clickhouseEnv));
  gateway = await startTestGateway();
  clickhouse = e2eClickHouseClient();
});

afterAll(async () => {
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
  await clickhouse?.close();
});

/** A fresh owner, organisation and project, and a key of that project with `events:write`. */
interface EventRow {
  type: string;
  event: string;
  name: string;
  user_id: string;
  anonymous_id: string;
  group_id: string;
  previous_id: string;
  message_id: string;
  library_name: string;
  sent_at: string | null;
  chain_id: string;
  wallet_address: string;
  tx_hash: string;
  method: string;
  value: string;
  'properties.key': string[];
  'properties.value': string[];
  'traits.key': string[];
  'traits.value': string[];
}

/** The project's events in ClickHouse (as analytics reads them), once `count` of them are there. */
function eventsOf(projectId: string, count: number): Promise<EventRow[]> {
  return eventually(
    async () => {
      const result = await clickhouse.query({
        query: toSql(
          sql`SELECT type, event, name, user_id, anonymous_id, group_id, previous_id, message_id, library_name,
                sent_at, chain_id, wallet_address, tx_hash, method, value, properties.key, properties.value,
                traits.key, traits.value
              FROM events FINAL WHERE project_id = ${projectId} ORDER BY timestamp, timestamp_ms, message_id`,
        ),
        format: 'JSONEachRow',
      });
      const found = await result.json<EventRow>();
      if (found.length < count) throw new Error(`${found.length} of ${count} events in ClickHouse`);
      return found;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

const mapOf = (keys: string[], values: string[]): Record<string, string> =>
  Object.fromEntries(keys.map((key, i) => [key, values[i]]));

/** The global fetch, recording the events of every batch the SDK posts. */
function recordingFetch(): { fetch: FetchLike; sent: SdkEvent[][] } {
  const sent: SdkEvent[][] = [];
  const fetch: FetchLike = async (url, init) => {
    sent.push((JSON.parse(init.body) as { batch: SdkEvent[] }).batch);
    return globalThis.fetch(url, init);
  };
  return { fetch, sent };
}

const WALLET = '0x52908400098527886E0F7030069857D2E4169EE7';
const TX = `0x${'ab'.repeat(32)}`;

it('delivers every call type to ClickHouse with its fields, and reports the event the gateway refuses', async () => {
  const { projectId, key } = await newProjectKey(gateway.url, 'Sdk Calls');
  const recorder = recordingFetch();
  const rejected: SdkError[] = [];
  const analytics = createClient({
    writeKey: key,
    host: gateway.url,
    storage: 'memory',
    flushAt: 50,
    fetch: recorder.fetch,
  });
  analytics.on('rejected', (error) => rejected.push(error));
  const anonymousId = analytics.anonymousId();

  analytics.page('Docs', 'Quick Start', { path: '/docs/start' });
  analytics.identify('user-1', { email: 'ada@example.com', plan: 'pro' });
  analytics.track('Order Completed', { total: 42.5, currency: 'EUR' });
  analytics.screen('Settings', { tab: 'keys' });
  analytics.group('org-7', { name: 'Acme' });
  analytics.alias('user-1-new');
  analytics.wallet('connect', { walletAddress: WALLET, chainId: 1 });
  analytics.transaction({
    chainId: 1,
    walletAddress: WALLET,
    txHash: TX,
    method: 'swap',
    value: '1000000000000000000',
    status: 'success',
  });
  analytics.transaction({ chainId: 1, walletAddress: WALLET, txHash: 'not-a-hash' });
  await analytics.close();

  expect(recorder.sent).toHaveLength(1);
  expect(rejected).toHaveLength(1);
  expect(rejected[0].events?.[0].web3?.txHash).toBe('not-a-hash');
  expect(rejected[0].errors?.map((error) => error.field)).toContain('web3.txHash');

  // Several events share a millisecond: put the rows in the order they were sent.
  const sentIds = recorder.sent[0].map((event) => event.messageId);
  const rows = (await eventsOf(projectId, 8)).sort(
    (a, b) => sentIds.indexOf(a.message_id) - sentIds.indexOf(b.message_id),
  );
  expect(rows.map((row) => row.message_id)).toEqual(sentIds.slice(0, 8));
  expect(
    rows.map((row) => [row.type, row.event, row.name, row.user_id, row.group_id, row.previous_id]),
  ).toEqual([
    ['page', '', 'Quick Start', '', '', ''],
    ['identify', '', '', 'user-1', '', ''],
    ['track', 'Order Completed', '', 'user-1', '', ''],
    ['screen', '', 'Settings', 'user-1', '', ''],
    ['group', '', '', 'user-1', 'org-7', ''],
    ['alias', '', '', 'user-1-new', '', 'user-1'],
    ['wallet', 'connect', '', 'user-1-new', '', ''],
    ['transaction', 'swap', '', 'user-1-new', '', ''],
  ]);
  for (const row of rows) {
    expect(row.anonymous_id).toBe(anonymousId);
    expect(row.library_name).toBe('@northstar/sdk');
    expect(row.sent_at).not.toBeNull();
  }
  const [, identify, order, , , , wallet, transaction] = rows;
  expect(mapOf(identify['traits.key'], identify['traits.value'])).toEqual({
    email: 'ada@example.com',
    plan: 'pro',
  });
  expect(mapOf(order['properties.key'], order['properties.value'])).toEqual({
    total: '42.5',
    currency: 'EUR',
  });
  expect([wallet.chain_id, wallet.wallet_address]).toEqual(['1', WALLET.toLowerCase()]);
  expect([transaction.tx_hash, transaction.method, transaction.value]).toEqual([
    TX,
    'swap',
    '1000000000000000000',
  ]);
});

interface Flaky {
  url: string;
  answers: { status: number; at: number }[];
  close(): Promise<void>;
}

/**
 * A proxy in front of the gateway that fails on cue: 503 without passing the request on, then 503
 * after the gateway took the batch (the answer lost on the way back), then 429 with Retry-After: 1;
 * everything after that goes through.
 */
async function flakyProxy(): Promise<Flaky> {
  const script = ['503', 'lost', '429'];
  const answers: Flaky['answers'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const step = script.shift() ?? 'pass';
      const answer = (status: number, headers: Record<string, string>, body: string) => {
        answers.push({ status, at: Date.now() });
        response.writeHead(status, headers).end(body);
      };
      if (step === '503') return answer(503, {}, '');
      if (step === '429') return answer(429, { 'Retry-After': '1' }, '');
      void fetch(`${gateway.url}${request.url}`, {
        method: 'POST',
        headers: { 'Content-Type': request.headers['content-type'] ?? 'text/plain' },
        body: Buffer.concat(chunks),
      }).then(
        async (upstream) => {
          const body = await upstream.text();
          if (step === 'lost') answer(503, {}, '');
          else answer(upstream.status, { 'Content-Type': 'application/json' }, body);
        },
        () => answer(502, {}, ''),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

it('loses nothing and doubles nothing through 503s, a lost answer and a 429 with Retry-After', async () => {
  const { projectId, key } = await newProjectKey(gateway.url, 'Sdk Outage');
  const proxy = await flakyProxy();
  const errors: SdkError[] = [];
  const analytics = createClient({
    writeKey: key,
    host: proxy.url,
    storage: 'memory',
    flushAt: 10,
    minBackoff: 50,
    maxBackoff: 200,
    onError: (error) => errors.push(error),
  });
  try {
    for (let i = 0; i < 30; i++) analytics.track('Tick', { i });
    await analytics.close();
  } finally {
    await proxy.close();
  }
  expect(errors).toEqual([]);

  const statuses = proxy.answers.map((answer) => answer.status);
  expect(statuses).toEqual([503, 503, 429, 202, 202, 202]);
  // Retry-After: 1 is honoured: the next attempt waits at least a second.
  expect(proxy.answers[3].at - proxy.answers[2].at).toBeGreaterThanOrEqual(1000);

  const rows = await eventsOf(projectId, 30);
  const ticks = rows.map((row) => Number(mapOf(row['properties.key'], row['properties.value'])['i']));
  expect(rows).toHaveLength(30);
  expect(new Set(rows.map((row) => row.message_id)).size).toBe(30);
  expect(ticks.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
});
