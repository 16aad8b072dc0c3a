import { createClickHouse, sql, toSql, type ClickHouseClient, type SqlFragment } from '@northstar/clickhouse';
import {
  DeadLetterHeaders,
  EVENTS_DLQ_STREAM,
  EVENTS_STREAM,
  eventsDeadLetterSubject,
  eventsSubject,
  TenancyEvents,
  type EventEnvelope,
} from '@northstar/contracts';
import { intakeBatch } from '@northstar/event-intake';
import { EventStreamPublisher } from '@northstar/event-stream';
import type { RunningService } from '@northstar/service-runtime';
import {
  connectTestBus,
  eventually,
  readMetric,
  startTestService,
  testEnv,
  type TestBus,
  testEventPublisher,
} from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { JsMsg } from 'nats';
import { ingestionService } from './ingestion.service-definition';

// Ingestion against the real NATS/JetStream, ClickHouse and Redis: events are published as the
// gateway publishes them (intake, then the stream publisher) and looked for in ClickHouse.
const WALLET = '0x52908400098527886E0F7030069857D2E4169EE7';
const CONTRACT = '0xDAC17F958D2EE523A2206206994597C13D831EC7';
const TX = `0x${'AbCd'.repeat(16)}`;
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const WAIT = { timeoutMs: 20_000, intervalMs: 100 };

let service: RunningService;
let client: TestBus;
let publisher: EventStreamPublisher;
let clickhouse: ClickHouseClient;

beforeAll(async () => {
  service = await startTestService(ingestionService);
  client = await connectTestBus();
  publisher = await EventStreamPublisher.connect(client.connection);
  const env = testEnv();
  clickhouse = createClickHouse({
    url: env['CLICKHOUSE_URL'] as string,
    database: env['CLICKHOUSE_DATABASE'] as string,
    username: env['CLICKHOUSE_USER'] as string,
    password: env['CLICKHOUSE_PASSWORD'] ?? '',
  });
});

afterAll(async () => {
  await service?.close();
  await client?.close();
  await clickhouse?.close();
});

async function send(
  projectId: string,
  events: Array<Record<string, unknown>>,
  options: { sentAt?: string; receivedAt?: Date } = {},
): Promise<EventEnvelope[]> {
  const body = { batch: events, ...(options.sentAt ? { sentAt: options.sentAt } : {}) };
  const { accepted, rejected } = intakeBatch(body, {
    projectId,
    receivedAt: options.receivedAt ?? new Date(),
  });
  expect(rejected).toEqual([]);
  await publisher.publish(accepted);
  return accepted;
}

async function query<T>(fragment: SqlFragment): Promise<T[]> {
  const result = await clickhouse.query({ query: toSql(fragment), format: 'JSONEachRow' });
  return result.json<T>();
}

type Row = Record<string, unknown>;

/** The project's rows as analytics reads them (each event_id once), oldest first. */
const rowsOf = (projectId: string) =>
  query<Row>(
    sql`SELECT * FROM events WHERE project_id = ${projectId}
        ORDER BY timestamp, timestamp_ms, event LIMIT 1 BY event_id`,
  );

async function counts(projectId: string): Promise<{ rows: number; distinct: number; final: number }> {
  const [row] = await query<{ rows: string; distinct: string }>(
    sql`SELECT count() AS rows, uniqExact(event_id) AS distinct FROM events WHERE project_id = ${projectId}`,
  );
  const [final] = await query<{ n: string }>(
    sql`SELECT count() AS n FROM events FINAL WHERE project_id = ${projectId}`,
  );
  return { rows: Number(row.rows), distinct: Number(row.distinct), final: Number(final.n) };
}

async function rowsEventually(projectId: string, count: number): Promise<Row[]> {
  return eventually(async () => {
    const rows = await rowsOf(projectId);
    expect(rows).toHaveLength(count);
    return rows;
  }, WAIT);
}

/** Dead letters of a project, with their headers. */
async function deadLetters(projectId: string): Promise<JsMsg[]> {
  const subject = eventsDeadLetterSubject(projectId);
  const jsm = await client.connection.jetstreamManager();
  const info = await jsm.streams.info(EVENTS_DLQ_STREAM, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  if (count === 0) return [];
  const consumer = await client.connection
    .jetstream()
    .consumers.get(EVENTS_DLQ_STREAM, { filterSubjects: subject });
  const out: JsMsg[] = [];
  for await (const message of await consumer.fetch({ max_messages: count, expires: 2000 })) {
    out.push(message);
    if (out.length === count) break;
  }
  return out;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('writing events to ClickHouse', () => {
  it('round-trips every event type with its columns, enriched', async () => {
    const projectId = randomUUID();
    const at = (seconds: number, ms = 0) =>
      new Date(Date.UTC(2026, 10, 20, 10, 0, seconds, ms)).toISOString();
    await send(projectId, [
      {
        type: 'track',
        event: 'Signed Up',
        messageId: 'm-track',
        userId: 'user-1',
        anonymousId: 'anon-1',
        timestamp: at(0, 123),
        properties: { plan: 'pro', seats: 3, trial: true, tags: ['a', 'b'] },
        context: {
          page: {
            url: 'https://App.Example.com:8443/pricing?plan=pro',
            referrer: 'https://www.google.com/search?q=northstar',
            title: 'Pricing',
            search: '?plan=pro',
          },
          userAgent: CHROME_MAC,
          ip: '81.2.69.142',
          locale: 'en-GB',
          library: { name: 'analytics.js', version: '5.2.0' },
          campaign: { source: 'newsletter', medium: 'email', name: 'launch' },
        },
        integrations: { All: true },
      },
      {
        type: 'page',
        name: 'Docs',
        anonymousId: 'anon-1',
        timestamp: at(1),
        context: { page: { url: 'https://app.example.com/docs/start', path: '/docs' } },
      },
      {
        type: 'screen',
        name: 'Home',
        anonymousId: 'anon-2',
        timestamp: at(2),
        context: { userAgent: IPHONE },
      },
      { type: 'identify', userId: 'user-1', timestamp: at(3), traits: { email: 'ada@example.com', age: 36 } },
      { type: 'group', userId: 'user-1', groupId: 'org-9', timestamp: at(4), traits: { name: 'Acme' } },
      { type: 'alias', userId: 'user-1', previousId: 'anon-1', timestamp: at(5) },
      {
        type: 'transaction',
        event: 'Swap',
        userId: 'user-1',
        timestamp: at(6),
        web3: {
          chainId: 137,
          walletAddress: WALLET,
          txHash: TX,
          contractAddress: CONTRACT,
          method: 'swapExactTokensForTokens',
          value: '123456789012345678901234567890',
          status: 'failed',
        },
      },
      {
        type: 'wallet',
        event: 'Wallet Connected',
        anonymousId: 'anon-3',
        timestamp: at(7),
        context: {
          ip: '2001:db8::1',
          os: { name: 'Android', version: '14' },
          device: { type: 'android', model: 'Pixel 8' },
        },
        web3: { walletAddress: WALLET, chainId: 1 },
      },
    ]);

    const rows = await rowsEventually(projectId, 8);
    const byType = Object.fromEntries(rows.map((row) => [row['type'], row]));
    expect(rows.map((row) => row['type'])).toEqual([
      'track',
      'page',
      'screen',
      'identify',
      'group',
      'alias',
      'transaction',
      'wallet',
    ]);

    expect(byType['track']).toMatchObject({
      event: 'Signed Up',
      message_id: 'm-track',
      user_id: 'user-1',
      anonymous_id: 'anon-1',
      timestamp: '2026-11-20 10:00:00',
      timestamp_ms: 123,
      page_url: 'https://App.Example.com:8443/pricing?plan=pro',
      page_host: 'app.example.com:8443',
      page_path: '/pricing',
      page_referrer: 'https://www.google.com/search?q=northstar',
      page_referrer_host: 'www.google.com',
      page_title: 'Pricing',
      page_search: '?plan=pro',
      campaign_source: 'newsletter',
      campaign_medium: 'email',
      campaign_name: 'launch',
      locale: 'en-GB',
      library_name: 'analytics.js',
      library_version: '5.2.0',
      user_agent: CHROME_MAC,
      browser: 'Chrome',
      browser_version: '131.0.0.0',
      os: 'Mac OS',
      device_type: 'desktop',
      country: 'GB',
      chain_id: '0',
      wallet_address: '',
      'properties.key': ['plan', 'seats', 'trial', 'tags'],
      'properties.value': ['pro', '3', 'true', '["a","b"]'],
      'traits.key': [],
    });
    expect(byType['track']['event_id']).toMatch(/^[0-9a-f-]{36}$/);
    // The raw JSON keeps what the platform does not read, but never the IP address.
    const raw = JSON.parse(byType['track']['raw'] as string) as Record<string, unknown>;
    expect(raw).toMatchObject({ integrations: { All: true }, event: 'Signed Up' });
    expect(byType['track']['raw']).not.toContain('81.2.69.142');
    expect(JSON.stringify(rows)).not.toContain('81.2.69.142');

    // The SDK's path wins over the URL's; the host comes from the URL.
    expect(byType['page']).toMatchObject({ name: 'Docs', page_host: 'app.example.com', page_path: '/docs' });
    expect(byType['screen']).toMatchObject({
      name: 'Home',
      browser: 'Mobile Safari',
      os: 'iOS',
      device_type: 'mobile',
    });
    expect(byType['identify']).toMatchObject({
      'traits.key': ['email', 'age'],
      'traits.value': ['ada@example.com', '36'],
    });
    expect(byType['group']).toMatchObject({
      group_id: 'org-9',
      'traits.key': ['name'],
      'traits.value': ['Acme'],
    });
    expect(byType['alias']).toMatchObject({ user_id: 'user-1', previous_id: 'anon-1' });
    expect(byType['transaction']).toMatchObject({
      event: 'Swap',
      chain_id: '137',
      wallet_address: WALLET.toLowerCase(),
      tx_hash: TX.toLowerCase(),
      contract_address: CONTRACT.toLowerCase(),
      method: 'swapExactTokensForTokens',
      value: '123456789012345678901234567890',
      tx_status: 'failed',
    });
    // IPv6 has no country in the bundled database; mobile context fills in the OS and device.
    expect(byType['wallet']).toMatchObject({
      event: 'Wallet Connected',
      chain_id: '1',
      wallet_address: WALLET.toLowerCase(),
      tx_hash: '',
      country: '',
      os: 'Android',
      os_version: '14',
      device_type: 'android',
      device_model: 'Pixel 8',
    });
  });

  it('stores the clock-skew corrected time, and sentAt', async () => {
    const projectId = randomUUID();
    // The device clock is 2 hours behind the server's.
    const receivedAt = new Date('2026-11-20T12:00:00.000Z');
    await send(
      projectId,
      [{ type: 'track', event: 'Late Clock', userId: 'u', timestamp: '2026-11-20T09:59:50.250Z' }],
      { sentAt: '2026-11-20T10:00:00.000Z', receivedAt },
    );
    const [row] = await rowsEventually(projectId, 1);
    expect(row).toMatchObject({
      timestamp: '2026-11-20 11:59:50',
      timestamp_ms: 250,
      received_at: '2026-11-20 12:00:00',
      sent_at: '2026-11-20 10:00:00',
    });
  });

  it('assigns sessions by visitor with a 30-minute gap, and keeps an SDK session', async () => {
    const projectId = randomUUID();
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 8, minutes)).toISOString();
    const event = (anonymousId: string, minutes: number, extra: Record<string, unknown> = {}) => ({
      type: 'track',
      event: `e-${anonymousId}-${minutes}`,
      anonymousId,
      timestamp: at(minutes),
      ...extra,
    });
    await send(projectId, [event('a', 0), event('a', 20), event('b', 21)]);
    // A later batch continues the session it falls into, or starts one after the gap.
    // One visitor's events of one batch are decided together: one continues, one comes long before the
    // session (a session of its own, which changes nothing), one starts a new session after the gap.
    await send(projectId, [
      event('a', 45),
      event('a', 80),
      event('a', -40),
      event('c', 1, { context: { sessionId: 777 } }),
    ]);
    const rows = await rowsEventually(projectId, 7);
    const session = Object.fromEntries(rows.map((row) => [row['event'], row['session_id'] as string]));
    expect(session['e-a-0']).toMatch(/^[0-9a-f-]{36}$/);
    expect(session['e-a-20']).toBe(session['e-a-0']);
    expect(session['e-a-45']).toBe(session['e-a-0']);
    expect(session['e-a-80']).not.toBe(session['e-a-0']);
    expect(session['e-a--40']).toMatch(/^[0-9a-f-]{36}$/);
    expect([session['e-a-0'], session['e-a-80']]).not.toContain(session['e-a--40']);
    expect(session['e-b-21']).not.toBe(session['e-a-0']);
    expect(session['e-c-1']).toBe('777');
  });
});

describe('nothing doubled', () => {
  it('stores the same messageId sent twice once', async () => {
    const projectId = randomUUID();
    const [first] = await send(projectId, [
      { type: 'track', event: 'Paid', userId: 'u', messageId: 'pay-1' },
    ]);
    await send(projectId, [{ type: 'track', event: 'Paid', userId: 'u', messageId: 'pay-1' }]);
    await send(projectId, [{ type: 'track', event: 'Marker', userId: 'u' }]);
    // The marker is written after both: once it is there, a second Paid would be too.
    await rowsEventually(projectId, 2);
    expect(await counts(projectId)).toEqual({ rows: 2, distinct: 2, final: 2 });
    const [paid] = await query<Row>(
      sql`SELECT event_id FROM events WHERE project_id = ${projectId} AND event = 'Paid'`,
    );
    expect(paid['event_id']).toBe(first.eventId);
  });

  it('collapses a redelivered event (same event id) into one row', async () => {
    const projectId = randomUUID();
    const [envelope] = intakeBatch(
      { batch: [{ type: 'track', event: 'Twice', userId: 'u' }] },
      { projectId, receivedAt: new Date() },
    ).accepted;
    // The same message delivered twice, as after a crash between the insert and the ack.
    const js = client.connection.jetstream();
    const data = new TextEncoder().encode(JSON.stringify(envelope));
    await js.publish(eventsSubject(projectId), data, { msgID: `redelivery-a-${envelope.eventId}` });
    await eventually(async () => expect((await counts(projectId)).rows).toBe(1), WAIT);
    await js.publish(eventsSubject(projectId), data, { msgID: `redelivery-b-${envelope.eventId}` });
    // The marker is consumed after the redelivery: once it is written, so is the second copy (which a
    // background merge may already have collapsed: the raw row count is 2 or 3, never asserted).
    await send(projectId, [{ type: 'track', event: 'Marker', userId: 'u' }]);
    await eventually(async () => expect((await counts(projectId)).distinct).toBe(2), WAIT);
    expect(await counts(projectId)).toMatchObject({ distinct: 2, final: 2 });
    const at = new Date(envelope.timestamp);
    const partition = at.getUTCFullYear() * 100 + at.getUTCMonth() + 1;
    // OPTIMIZE ... FINAL does nothing when a background merge holds the partition's parts (ClickHouse
    // 18.16 says so only with optimize_throw_if_noop): ask again until the merge has happened.
    await eventually(async () => {
      await clickhouse.command({ query: toSql(sql`OPTIMIZE TABLE events PARTITION ${partition} FINAL`) });
      expect(await counts(projectId)).toEqual({ rows: 2, distinct: 2, final: 2 });
    }, WAIT);
  });
  it("counts an event once when it comes again in a batch made up differently (the gateway's event ids)", async () => {
    const projectId = randomUUID();
    const gatewayIntake = (messageIds: string[]) =>
      intakeBatch(
        {
          batch: messageIds.map((messageId) => ({ type: 'track', event: messageId, userId: 'u', messageId })),
        },
        { projectId, receivedAt: new Date(), eventIds: 'fromMessageId' },
      ).accepted;
    const first = gatewayIntake(['x', 'y']);
    const second = gatewayIntake(['x', 'z']);
    // Two different stream messages, so JetStream stores both: only the event id can collapse x.
    expect(await publisher.publish(first)).toEqual({ stored: 2, duplicates: 0 });
    expect(await publisher.publish(second)).toEqual({ stored: 2, duplicates: 0 });
    expect(second[0].eventId).toBe(first[0].eventId);
    const rows = await rowsEventually(projectId, 3);
    expect(rows.map((row) => row['event']).sort()).toEqual(['x', 'y', 'z']);
    await eventually(async () => expect((await counts(projectId)).distinct).toBe(3), WAIT);
  });
});

describe('poison messages', () => {
  it('dead-letters a message that is no event with its reason, and the next ones still flow', async () => {
    const projectId = randomUUID();
    const before = await readMetric(service.opsUrl, 'northstar_ingestion_dead_letters_total', {
      reason: 'invalid',
    });
    const js = client.connection.jetstream();
    await js.publish(eventsSubject(projectId), new TextEncoder().encode('{"not": "an envelope"'));
    await js.publish(eventsSubject(projectId), new TextEncoder().encode(JSON.stringify({ v: 1, projectId })));
    await send(projectId, [{ type: 'track', event: 'After The Poison', userId: 'u' }]);

    const [row] = await rowsEventually(projectId, 1);
    expect(row['event']).toBe('After The Poison');
    const letters = await eventually(async () => {
      const found = await deadLetters(projectId);
      expect(found).toHaveLength(2);
      return found;
    }, WAIT);
    const [junk, partial] = letters;
    expect(new TextDecoder().decode(junk.data)).toBe('{"not": "an envelope"');
    expect(junk.headers?.get(DeadLetterHeaders.reason)).toMatch(/^invalid event envelope: not JSON/);
    expect(junk.headers?.get(DeadLetterHeaders.originalSubject)).toBe(eventsSubject(projectId));
    expect(Number(junk.headers?.get(DeadLetterHeaders.originalSequence))).toBeGreaterThan(0);
    expect(partial.headers?.get(DeadLetterHeaders.reason)).toContain('eventId');
    await eventually(
      async () =>
        expect(
          await readMetric(service.opsUrl, 'northstar_ingestion_dead_letters_total', { reason: 'invalid' }),
        ).toBe(before + 2),
      WAIT,
    );
  });
  it('dead-letters one invalid event of a message of several alone, with its index, and writes the others', async () => {
    const projectId = randomUUID();
    const [a, b] = intakeBatch(
      {
        batch: [
          { type: 'track', event: 'Kept A', userId: 'u' },
          { type: 'track', event: 'Kept B', userId: 'u' },
        ],
      },
      { projectId, receivedAt: new Date() },
    ).accepted;
    const broken = { ...a, messageId: 'broken', eventId: 'not-a-uuid' };
    const js = client.connection.jetstream();
    await js.publish(eventsSubject(projectId), new TextEncoder().encode(JSON.stringify([a, broken, b])));

    const rows = await rowsEventually(projectId, 2);
    expect(rows.map((row) => row['event']).sort()).toEqual(['Kept A', 'Kept B']);
    const [letter, ...others] = await eventually(async () => {
      const found = await deadLetters(projectId);
      expect(found).toHaveLength(1);
      return found;
    }, WAIT);
    expect(others).toEqual([]);
    expect(JSON.parse(new TextDecoder().decode(letter.data))).toEqual(broken);
    expect(letter.headers?.get(DeadLetterHeaders.originalIndex)).toBe('1');
    expect(letter.headers?.get(DeadLetterHeaders.reason)).toContain('eventId');
    const jsm = await client.connection.jetstreamManager();
    await eventually(async () => {
      const info = await jsm.consumers.info(EVENTS_STREAM, 'ingestion');
      expect(info.num_ack_pending).toBe(0);
    }, WAIT);
  });
});

describe('readiness', () => {
  it('includes ClickHouse and JetStream', async () => {
    const response = await fetch(`${service.opsUrl}/ready`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as { checks: Record<string, { status: string }> };
    expect(report.checks).toMatchObject({
      clickhouse: { status: 'up' },
      jetstream: { status: 'up' },
      redis: { status: 'up' },
      bus: { status: 'up' },
    });
  });
});

describe('project deletion', () => {
  it("deletes the project's events, leaves other projects alone, and drops its late events", async () => {
    const [doomed, kept] = [randomUUID(), randomUUID()];
    await send(doomed, [
      { type: 'track', event: 'One', userId: 'u' },
      { type: 'page', anonymousId: 'a' },
    ]);
    await send(kept, [{ type: 'track', event: 'Stays', userId: 'u' }]);
    await rowsEventually(doomed, 2);
    await rowsEventually(kept, 1);

    const domainEvents = testEventPublisher(client.connection, 'ingestion-test');
    await domainEvents.publish(TenancyEvents.projectDeleted, {
      projectId: doomed,
      orgId: randomUUID(),
      deletedAt: new Date().toISOString(),
    });
    // ALTER TABLE ... DELETE is a mutation: ClickHouse applies it in the background.
    await eventually(async () => expect((await counts(doomed)).rows).toBe(0), WAIT);
    expect(await rowsOf(kept)).toHaveLength(1);

    // An event of the deleted project still queued is acknowledged, not written back.
    const dropped = () =>
      readMetric(service.opsUrl, 'northstar_ingestion_events_dropped_total', { reason: 'project_deleted' });
    const before = await dropped();
    await send(doomed, [{ type: 'track', event: 'Straggler', userId: 'u' }]);
    await eventually(async () => expect(await dropped()).toBe(before + 1), WAIT);
    expect((await counts(doomed)).rows).toBe(0);
  });
});

/** Stops the test's service and runs `work` with an instance whose ClickHouse is a closed port. */
async function withBrokenInstance(
  work: (broken: RunningService) => Promise<void>,
  settings: Record<string, string> = {},
): Promise<void> {
  await service.close();
  const broken = await startTestService(ingestionService, {
    CLICKHOUSE_URL: `http://127.0.0.1:${await closedPort()}`,
    INGEST_SHUTDOWN_GRACE_MS: '200',
    LOG_LEVEL: 'error',
    ...settings,
  });
  try {
    await work(broken);
  } finally {
    await broken.close();
  }
}

const insertFailures = (instance: RunningService) =>
  readMetric(instance.opsUrl, 'northstar_ingestion_insert_failures_total');

describe('ClickHouse unreachable', () => {
  it('keeps the events unacknowledged while inserts fail, and loses none once it is back', async () => {
    const projectId = randomUUID();
    await withBrokenInstance(async (broken) => {
      await send(
        projectId,
        Array.from({ length: 50 }, (_, i) => ({ type: 'track', event: `Outage ${i}`, userId: `u-${i % 7}` })),
      );
      await eventually(async () => expect(await insertFailures(broken)).toBeGreaterThan(1), WAIT);
      const ready = await fetch(`${broken.opsUrl}/ready`);
      expect(ready.status).toBe(503);
      expect(
        ((await ready.json()) as { checks: Record<string, { status: string }> }).checks['clickhouse'].status,
      ).toBe('down');
      expect((await counts(projectId)).rows).toBe(0);
    });

    service = await startTestService(ingestionService);
    await rowsEventually(projectId, 50);
    expect(await counts(projectId)).toMatchObject({ distinct: 50, final: 50 });
    const jsm = await client.connection.jetstreamManager();
    await eventually(async () => {
      const info = await jsm.consumers.info(EVENTS_STREAM, 'ingestion');
      expect(info.num_ack_pending).toBe(0);
    }, WAIT);
  });
});

describe('a consumer that takes nothing', () => {
  it('holds no more than its budget, and is not ready (stalled = 1) while messages wait for it', async () => {
    const projectId = randomUUID();
    const readiness = async (instance: RunningService) => {
      const response = await fetch(`${instance.opsUrl}/ready`);
      const body = (await response.json()) as { checks: Record<string, { status: string; error?: string }> };
      return { status: response.status, consumer: body.checks['consumer'] };
    };
    await withBrokenInstance(
      async (broken) => {
        // Three messages: the one it holds cannot be written, so it may take no other.
        for (const event of ['A', 'B', 'C']) await send(projectId, [{ type: 'track', event, userId: 'u' }]);
        await eventually(async () => expect(await insertFailures(broken)).toBeGreaterThan(0), WAIT);
        await eventually(async () => {
          expect(await readMetric(broken.opsUrl, 'northstar_ingestion_stalled')).toBe(1);
          const { status, consumer } = await readiness(broken);
          expect(status).toBe(503);
          expect(consumer).toMatchObject({ status: 'down' });
          expect(consumer?.error).toMatch(/while the stream has pending messages/);
        }, WAIT);
        expect(await readMetric(broken.opsUrl, 'northstar_ingestion_held_messages')).toBe(1);
      },
      { INGEST_MAX_HELD_MESSAGES: '1', INGEST_STALL_AFTER_MS: '1000' },
    );

    service = await startTestService(ingestionService);
    await rowsEventually(projectId, 3);
    await eventually(async () => {
      expect(await readMetric(service.opsUrl, 'northstar_ingestion_stalled')).toBe(0);
      expect(await readiness(service)).toMatchObject({ status: 200, consumer: { status: 'up' } });
    }, WAIT);
  });
});

describe('too many deliveries', () => {
  it('dead-letters an event delivered more than INGEST_MAX_DELIVERIES times without being written', async () => {
    const projectId = randomUUID();
    // Each event is delivered once to an instance that cannot write it and is given back on shutdown.
    await withBrokenInstance(async (broken) => {
      await send(projectId, [
        { type: 'track', event: 'A', userId: 'u' },
        { type: 'track', event: 'B', userId: 'u' },
      ]);
      await eventually(async () => expect(await insertFailures(broken)).toBeGreaterThan(1), WAIT);
    });
    const strict = await startTestService(ingestionService, { INGEST_MAX_DELIVERIES: '1' });
    try {
      const letters = await eventually(async () => {
        const found = await deadLetters(projectId);
        expect(found).toHaveLength(2);
        return found;
      }, WAIT);
      for (const letter of letters) {
        expect(letter.headers?.get(DeadLetterHeaders.reason)).toBe('delivered once without being written');
        expect(letter.headers?.get(DeadLetterHeaders.deliveries)).toBe('2');
        expect(JSON.parse(new TextDecoder().decode(letter.data))).toMatchObject({ projectId, type: 'track' });
      }
      expect(
        await readMetric(strict.opsUrl, 'northstar_ingestion_dead_letters_total', {
          reason: 'max_deliveries',
        }),
      ).toBe(2);
      expect((await counts(projectId)).rows).toBe(0);
    } finally {
      await strict.close();
      service = await startTestService(ingestionService);
    }
  });
});
