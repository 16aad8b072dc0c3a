import { chainsService, identityService, keysService, tenancyService } from './platform-services';
import { EVENTS_STREAM, eventsSubject, type EventEnvelope } from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { connect, type NatsConnection } from 'nats';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  e2eEnv,
  eventually,
  expectProblem,
  migrateService,
  startTestGateway,
  startTestService,
} from './support';
import { call, createOrg, newUser, type TestOrg } from './tenancy-support';
import type { SignedUpUser } from './users';

// Event ingestion end to end: SDK-style requests through the gateway with keys made through the API,
// and what JetStream holds afterwards, read back from the EVENTS stream on the project's subject.

interface IngestAnswer {
  accepted: number;
  rejected: { index: number; errors: { field: string; message: string }[] }[];
}

interface CreatedKey {
  id: string;
  key: string;
}

interface ProjectKey {
  projectId: string;
  keyId: string;
  key: string;
}

const WALLET = '0x52908400098527886E0F7030069857D2E4169EE7';
const TX_HASH = `0x${'AbCd'.repeat(16)}`;
// The rest of the gateway keeps a small body limit; the ingestion routes have their own 1 MiB.
const GATEWAY_BODY_LIMIT = 64 * 1024;
const MIB = 1024 * 1024;

const services: RunningService[] = [];
let gateway: RunningGateway;
let url: string;
let owner: SignedUpUser;
let org: TestOrg;
let nats: NatsConnection;

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(chainsService);
  services.push(await startTestService(identityService));
  services.push(await startTestService(tenancyService));
  services.push(await startTestService(keysService));
  services.push(await startTestService(chainsService));
  gateway = await startTestGateway({ TRUST_PROXY: 'true', BODY_LIMIT_BYTES: String(GATEWAY_BODY_LIMIT) });
  url = gateway.url;
  owner = await newUser(url, 'Event Sender');
  org = await createOrg(url, owner, 'Ingestion E2E');
  nats = await connect({ servers: (e2eEnv()['NATS_URL'] ?? '').split(','), maxReconnectAttempts: 0 });
});

afterAll(async () => {
  await nats?.close();
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
});

/** A new project of the test organisation and a key of it (by default with `events:write`). */
async function newProjectKey(keyBody: Record<string, unknown> = {}): Promise<ProjectKey> {
  const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: `Ingest ${randomBytes(3).toString('hex')}`,
    kind: 'hybrid',
  });
  if (project.status !== 201) throw new Error(`project: ${project.status} ${JSON.stringify(project.body)}`);
  const key = await newKey(project.body.id, keyBody);
  return { projectId: project.body.id, keyId: key.id, key: key.key };
}

async function newKey(projectId: string, body: Record<string, unknown> = {}): Promise<CreatedKey> {
  const answer = await call<CreatedKey>(url, 'POST', `/projects/${projectId}/keys`, owner, {
    name: 'SDK',
    scopes: ['events:write'],
    ...body,
  });
  if (answer.status !== 201) throw new Error(`key: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

type Credentials =
  { bearer: string } | { apiKeyHeader: string } | { basic: string; password?: string } | { none: true };

function credentialHeaders(credentials: Credentials): Record<string, string> {
  if ('bearer' in credentials) return { authorization: `Bearer ${credentials.bearer}` };
  if ('apiKeyHeader' in credentials) return { 'x-api-key': credentials.apiKeyHeader };
  if ('basic' in credentials) {
    const pair = `${credentials.basic}:${credentials.password ?? ''}`;
    return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
  }
  return {};
}

/** POSTs to an ingestion route, JSON by default; a string or Buffer body is sent as it is. */
function post(
  path: string,
  body: unknown,
  credentials: Credentials,
  headers: Record<string, string> = {},
  base = url,
): Promise<Response> {
  const raw = typeof body === 'string' || Buffer.isBuffer(body);
  return fetch(`${base}/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...credentialHeaders(credentials), ...headers },
    body: raw ? (body as string | Buffer) : JSON.stringify(body),
  });
}

async function accepted(response: Response): Promise<IngestAnswer> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toMatchObject({ status: 202 });
  return JSON.parse(text) as IngestAnswer;
}

/**
 * The events the EVENTS stream holds for the project, oldest first (an ordered consumer on its
 * subject). A message holds one envelope, or a request's events as an array of them.
 */
async function streamed(projectId: string, connection = nats): Promise<EventEnvelope[]> {
  const subject = eventsSubject(projectId);
  const info = await (
    await connection.jetstreamManager()
  ).streams.info(EVENTS_STREAM, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  const envelopes: EventEnvelope[] = [];
  if (count === 0) return envelopes;
  const consumer = await connection.jetstream().consumers.get(EVENTS_STREAM, { filterSubjects: subject });
  const messages = await consumer.fetch({ max_messages: count, expires: 2000 });
  let read = 0;
  for await (const message of messages) {
    const body = message.json<EventEnvelope | EventEnvelope[]>();
    envelopes.push(...(Array.isArray(body) ? body : [body]));
    if (++read === count) break;
  }
  return envelopes;
}

const track = (overrides: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Signed Up',
  userId: 'user-1',
  messageId: randomUUID(),
  ...overrides,
});

describe('POST /v1/batch', () => {
  it('accepts the valid events, rejects the invalid ones by index with reasons, and queues only the valid', async () => {
    const { projectId, key } = await newProjectKey();
    const batch = [
      track({ messageId: 'ok-0', properties: { plan: 'pro' } }),
      track({ messageId: 'bad-1', event: undefined }),
      { type: 'identify', messageId: 'ok-2', userId: 'user-1', traits: { email: 'ada@example.com' } },
      {
        type: 'transaction',
        messageId: 'bad-3',
        event: 'Swap',
        userId: 'user-1',
        web3: { chainId: 1, walletAddress: WALLET, txHash: '0x1234' },
      },
      // What Segment libraries add is accepted and ignored, not refused.
      {
        type: 'page',
        messageId: 'ok-4',
        anonymousId: 'anon-1',
        name: 'Pricing',
        integrations: { All: true },
        _metadata: { bundled: ['Segment.io'] },
        channel: 'browser',
        version: 2,
        context: { page: { path: '/pricing' }, library: { name: 'analytics.js', version: '5.0.0' } },
      },
    ];
    const answer = await accepted(await post('batch', { batch }, { bearer: key }));
    expect(answer).toEqual({
      accepted: 3,
      rejected: [
        { index: 1, errors: [{ field: 'event', message: expect.stringContaining('event') }] },
        {
          index: 3,
          errors: [{ field: 'web3.txHash', message: 'txHash must be 0x followed by 64 hex digits' }],
        },
      ],
    });
    const onStream = await streamed(projectId);
    expect(onStream.map((envelope) => envelope.messageId)).toEqual(['ok-0', 'ok-2', 'ok-4']);
    expect(onStream.every((envelope) => envelope.projectId === projectId)).toBe(true);
    expect(onStream[0]).toMatchObject({ type: 'track', event: 'Signed Up', properties: { plan: 'pro' } });
    expect(onStream[2]).toMatchObject({
      type: 'page',
      name: 'Pricing',
      context: { page: { path: '/pricing' } },
    });
    expect(JSON.parse(onStream[2].raw)).toMatchObject({ integrations: { All: true }, channel: 'browser' });
  });

  it('answers 400 for a body that is not a batch, and 202 with nothing for an empty one', async () => {
    const { projectId, key } = await newProjectKey();
    const problem = await expectProblem(await post('batch', { events: [track()] }, { bearer: key }), 400);
    expect(problem.errors).toEqual([{ field: 'batch', message: 'batch must be an array of events' }]);
    expect(await accepted(await post('batch', { batch: [] }, { bearer: key }))).toEqual({
      accepted: 0,
      rejected: [],
    });
    expect(await streamed(projectId)).toEqual([]);
  });

  it('corrects the client clock with sentAt: the stored time is timestamp + (receivedAt − sentAt)', async () => {
    const { projectId, key } = await newProjectKey();
    // The client's clock is an hour behind; the event happened 5 s before it was sent.
    const sentAt = new Date(Date.now() - 3600_000);
    const timestamp = new Date(sentAt.getTime() - 5000);
    await accepted(
      await post(
        'batch',
        {
          sentAt: sentAt.toISOString(),
          batch: [track({ messageId: 'skewed', timestamp: timestamp.toISOString() })],
        },
        { bearer: key },
      ),
    );
    const [envelope] = await streamed(projectId);
    expect(envelope.clientTimestamp).toBe(timestamp.toISOString());
    expect(envelope.sentAt).toBe(sentAt.toISOString());
    expect(Date.parse(envelope.timestamp)).toBe(Date.parse(envelope.receivedAt) - 5000);
    expect(Math.abs(Date.parse(envelope.receivedAt) - Date.now())).toBeLessThan(60_000);
  });

  it('stores the same messageId sent twice once (JetStream duplicate window)', async () => {
    const { projectId, key } = await newProjectKey();
    const first = track({ messageId: 'retried', properties: { attempt: 1 } });
    const again = { ...first, properties: { attempt: 2 } };
    expect(await accepted(await post('batch', { batch: [first] }, { bearer: key }))).toEqual({
      accepted: 1,
      rejected: [],
    });
    expect(await accepted(await post('batch', { batch: [again] }, { bearer: key }))).toEqual({
      accepted: 1,
      rejected: [],
    });
    expect(await accepted(await post('events', again, { bearer: key }))).toEqual({
      accepted: 1,
      rejected: [],
    });
    const onStream = await streamed(projectId);
    expect(onStream).toHaveLength(1);
    expect(onStream[0]).toMatchObject({ messageId: 'retried', properties: { attempt: 1 } });
  });
});

describe('POST /v1/events and the Segment per-type routes', () => {
  it('accepts every event type, normalized on the stream', async () => {
    const { projectId, key } = await newProjectKey();
    const events = [
      track({ messageId: 'e-track' }),
      { type: 'page', messageId: 'e-page', anonymousId: 'a-1', name: 'Home' },
      { type: 'screen', messageId: 'e-screen', anonymousId: 'a-1', name: 'Settings' },
      { type: 'identify', messageId: 'e-identify', userId: 42, traits: { plan: 'pro' } },
      { type: 'group', messageId: 'e-group', userId: 'u-1', groupId: 'acme', traits: { name: 'Acme' } },
      { type: 'alias', messageId: 'e-alias', userId: 'u-1', previousId: 'a-1' },
      {
        type: 'transaction',
        messageId: 'e-transaction',
        event: 'Swap',
        userId: 'u-1',
        web3: {
          chainId: 137,
          walletAddress: WALLET,
          txHash: TX_HASH,
          value: '1000000000000000000000',
          status: 'success',
        },
      },
      {
        type: 'wallet',
        messageId: 'e-wallet',
        event: 'Wallet Connected',
        anonymousId: 'a-1',
        web3: { walletAddress: WALLET },
      },
    ];
    for (const event of events) {
      expect(await accepted(await post('events', event, { apiKeyHeader: key }))).toEqual({
        accepted: 1,
        rejected: [],
      });
    }
    const byId = new Map((await streamed(projectId)).map((envelope) => [envelope.messageId, envelope]));
    expect([...byId.keys()].sort()).toEqual(events.map((event) => event.messageId).sort());
    for (const event of events) expect(byId.get(event.messageId)?.type).toBe(event.type);
    expect(byId.get('e-identify')).toMatchObject({ userId: '42', traits: { plan: 'pro' } });
    expect(byId.get('e-group')).toMatchObject({ groupId: 'acme' });
    expect(byId.get('e-alias')).toMatchObject({ previousId: 'a-1' });
    expect(byId.get('e-transaction')?.web3).toEqual({
      chainId: 137,
      walletAddress: WALLET.toLowerCase(),
      txHash: TX_HASH.toLowerCase(),
      value: '1000000000000000000000',
      status: 'success',
    });
    expect(byId.get('e-wallet')?.web3).toEqual({ walletAddress: WALLET.toLowerCase() });
  });

  it('answers 400 with the failing fields for an invalid event', async () => {
    const { projectId, key } = await newProjectKey();
    const problem = await expectProblem(
      await post(
        'events',
        { type: 'wallet', event: 'Connect', userId: 'u', web3: { walletAddress: '0x12' } },
        { bearer: key },
      ),
      400,
    );
    expect(problem.errors).toEqual([
      { field: 'web3.walletAddress', message: expect.stringContaining('40 hex digits') },
    ]);
    const untyped = await expectProblem(
      await post('events', { event: 'x', userId: 'u' }, { bearer: key }),
      400,
    );
    expect(untyped.errors?.map((error) => error.field)).toEqual(['type']);
    expect(await streamed(projectId)).toEqual([]);
  });

  it('serves /v1/track, /identify, /page, /screen, /group and /alias with the type implied', async () => {
    const { projectId, key } = await newProjectKey();
    const bodies: Record<string, Record<string, unknown>> = {
      track: { event: 'Clicked', userId: 'u-1' },
      identify: { userId: 'u-1', traits: { email: 'ada@example.com' } },
      page: { anonymousId: 'a-1', name: 'Docs', properties: { path: '/docs' } },
      screen: { anonymousId: 'a-1', name: 'Home' },
      group: { userId: 'u-1', groupId: 'g-1' },
      alias: { userId: 'u-1', previousId: 'a-1' },
    };
    for (const [type, body] of Object.entries(bodies)) {
      const answer = await accepted(
        await post(type, { ...body, messageId: `route-${type}` }, { basic: key }),
      );
      expect(answer).toEqual({ accepted: 1, rejected: [] });
    }
    const types = new Map((await streamed(projectId)).map((envelope) => [envelope.messageId, envelope.type]));
    expect(Object.fromEntries(types)).toEqual(
      Object.fromEntries(Object.keys(bodies).map((type) => [`route-${type}`, type])),
    );

    const wrongType = await expectProblem(
      await post('track', { type: 'identify', userId: 'u-1' }, { basic: key }),
      400,
    );
    expect(wrongType.errors).toEqual([{ field: 'type', message: 'type must be track on this route' }]);
    const missingEvent = await expectProblem(await post('track', { userId: 'u-1' }, { basic: key }), 400);
    expect(missingEvent.errors?.map((error) => error.field)).toEqual(['event']);
  });
});

describe('credentials', () => {
  it('takes the key as Bearer, X-Api-Key and HTTP Basic with an empty password (Segment SDKs)', async () => {
    const { projectId, key } = await newProjectKey();
    await accepted(await post('events', track({ messageId: 'bearer' }), { bearer: key }));
    await accepted(await post('events', track({ messageId: 'header' }), { apiKeyHeader: key }));
    await accepted(await post('batch', { batch: [track({ messageId: 'basic' })] }, { basic: key }));
    expect((await streamed(projectId)).map((envelope) => envelope.messageId).sort()).toEqual([
      'basic',
      'bearer',
      'header',
    ]);
    await expectProblem(await post('events', track(), { basic: key, password: 'secret' }), 401);
  });

  it('takes writeKey in a text/plain JSON body from any origin, as browser libraries send it', async () => {
    const { projectId, key } = await newProjectKey();
    const origin = { origin: 'https://shop.example', 'content-type': 'text/plain;charset=UTF-8' };
    const batch = JSON.stringify({ writeKey: key, batch: [track({ messageId: 'browser-batch' })] });
    const batchAnswer = await post('batch', batch, { none: true }, origin);
    expect(batchAnswer.headers.get('access-control-allow-origin')).toBe('*');
    expect(batchAnswer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await accepted(batchAnswer)).toEqual({ accepted: 1, rejected: [] });

    const single = JSON.stringify({
      writeKey: key,
      event: 'Viewed',
      anonymousId: 'a-9',
      messageId: 'browser-track',
    });
    expect(await accepted(await post('track', single, { none: true }, origin))).toEqual({
      accepted: 1,
      rejected: [],
    });

    const onStream = await streamed(projectId);
    expect(onStream.map((envelope) => envelope.messageId).sort()).toEqual(['browser-batch', 'browser-track']);
    // The key goes no further than the gateway.
    for (const envelope of onStream) expect(envelope.raw).not.toContain(key);

    const notJson = await expectProblem(await post('batch', 'writeKey=x', { none: true }, origin), 400);
    expect(notJson.detail).toMatch(/JSON/);
  });

  it('answers the CORS preflight of an ingestion route for any origin, without credentials', async () => {
    const response = await fetch(`${url}/v1/batch`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://any-customer-site.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type,authorization');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('reads JSON from text/plain only on the ingestion routes', async () => {
    const response = await fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ email: owner.email, password: owner.password }),
    });
    expect(response.status).toBe(400);
  });

  it('refuses a writeKey that differs from the key in the headers', async () => {
    const { key } = await newProjectKey();
    const other = await newProjectKey();
    const problem = await expectProblem(
      await post('events', { ...track(), writeKey: other.key }, { bearer: key }),
      401,
    );
    expect(problem.detail).toMatch(/two different API keys/);
  });

  it('answers 401 without a key or with an unknown one', async () => {
    expect(
      (await expectProblem(await post('batch', { batch: [track()] }, { none: true }), 401)).detail,
    ).toMatch(/API key is required/);
    const unknown = `nsk_test_${randomBytes(24).toString('hex').slice(0, 32)}`;
    await expectProblem(await post('batch', { batch: [track()] }, { bearer: unknown }), 401);
  });

  it('answers 401 once the key is revoked, and once it has expired', async () => {
    const revoked = await newProjectKey();
    await accepted(await post('events', track(), { bearer: revoked.key }));
    expect((await call(url, 'DELETE', `/keys/${revoked.keyId}`, owner)).status).toBe(204);
    await eventually(
      async () =>
        expect(
          (await expectProblem(await post('events', track(), { bearer: revoked.key }), 401)).detail,
        ).toBe('The API key has been revoked'),
      { timeoutMs: 5000, intervalMs: 100 },
    );

    const expiring = await newProjectKey({ expiresAt: new Date(Date.now() + 3000).toISOString() });
    await accepted(await post('events', track(), { bearer: expiring.key }));
    await eventually(
      async () =>
        expect(
          (await expectProblem(await post('events', track(), { bearer: expiring.key }), 401)).detail,
        ).toBe('The API key has expired'),
      { timeoutMs: 10_000, intervalMs: 250 },
    );
  });

  it('answers 403 for a key without events:write', async () => {
    const { projectId } = await newProjectKey();
    const readOnly = await newKey(projectId, { scopes: ['analytics:read'] });
    const problem = await expectProblem(
      await post('batch', { batch: [track()] }, { bearer: readOnly.key }),
      403,
    );
    expect(problem.detail).toMatch(/events:write/);
    expect(await streamed(projectId)).toEqual([]);
  });

  it("answers 429 with Retry-After once the key's rate limit is reached", async () => {
    const { key } = await newProjectKey({ rateLimit: { limit: 2, windowSeconds: 60 } });
    await accepted(await post('events', track(), { bearer: key }));
    await accepted(await post('events', track(), { bearer: key }));
    const limited = await post('events', track(), { bearer: key });
    await expectProblem(limited, 429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts the events of a batch against the rate limit, not the request', async () => {
    const { key } = await newProjectKey({ rateLimit: { limit: 10, windowSeconds: 60 } });
    const batch = (n: number) => ({ batch: Array.from({ length: n }, () => track()) });
    const first = await post('batch', batch(8), { bearer: key });
    await accepted(first);
    expect(first.headers.get('ratelimit-remaining')).toBe('2');
    const tooMany = await post('batch', batch(3), { bearer: key });
    expect((await expectProblem(tooMany, 429)).detail).toMatch(/10 events per 60 s/);
    await accepted(await post('batch', batch(2), { bearer: key }));
  });
});

describe('limits', () => {
  const padded = (bytes: number, overrides: Record<string, unknown> = {}) =>
    track({ properties: { pad: 'x'.repeat(bytes) }, ...overrides });

  it('takes 500 events, and answers 413 for 501', async () => {
    const { projectId, key } = await newProjectKey();
    const batch = (n: number) => Array.from({ length: n }, (_, i) => track({ messageId: `m-${n}-${i}` }));
    const problem = await expectProblem(await post('batch', { batch: batch(501) }, { bearer: key }), 413);
    expect(problem.detail).toMatch(/501 events/);
    expect(await streamed(projectId)).toEqual([]);
    expect(await accepted(await post('batch', { batch: batch(500) }, { bearer: key }))).toEqual({
      accepted: 500,
      rejected: [],
    });
    expect(await streamed(projectId)).toHaveLength(500);
  });

  it('takes a body of almost 1 MiB (over the rest of the gateway limit), and answers 413 over 1 MiB', async () => {
    const { projectId, key } = await newProjectKey();
    const almost = {
      batch: Array.from({ length: 40 }, (_, i) => padded(24 * 1024, { messageId: `big-${i}` })),
    };
    expect(JSON.stringify(almost).length).toBeGreaterThan(GATEWAY_BODY_LIMIT);
    expect(JSON.stringify(almost).length).toBeLessThan(MIB);
    expect((await accepted(await post('batch', almost, { bearer: key }))).accepted).toBe(40);

    const over = { batch: Array.from({ length: 44 }, () => padded(24 * 1024)) };
    expect(JSON.stringify(over).length).toBeGreaterThan(MIB);
    await expectProblem(await post('batch', over, { bearer: key }), 413);
    expect(await streamed(projectId)).toHaveLength(40);
  });

  it('applies the 1 MiB limit to the decompressed body of a gzip request', async () => {
    const { projectId, key } = await newProjectKey();
    const over = gzipSync(JSON.stringify({ batch: Array.from({ length: 44 }, () => padded(24 * 1024)) }));
    expect(over.length).toBeLessThan(64 * 1024);
    await expectProblem(await post('batch', over, { bearer: key }, { 'content-encoding': 'gzip' }), 413);

    const under = gzipSync(JSON.stringify({ batch: [track({ messageId: 'zipped' })] }));
    expect(
      await accepted(await post('batch', under, { bearer: key }, { 'content-encoding': 'gzip' })),
    ).toEqual({
      accepted: 1,
      rejected: [],
    });
    expect((await streamed(projectId)).map((envelope) => envelope.messageId)).toEqual(['zipped']);
  });

  it('rejects an event over 32 KiB by index in a batch, and answers 413 for it alone', async () => {
    const { projectId, key } = await newProjectKey();
    const answer = await accepted(
      await post(
        'batch',
        { batch: [padded(33 * 1024), padded(100, { messageId: 'small' })] },
        { bearer: key },
      ),
    );
    expect(answer).toEqual({
      accepted: 1,
      rejected: [
        { index: 0, errors: [{ field: '', message: expect.stringMatching(/over the limit of 32768/) }] },
      ],
    });
    await expectProblem(await post('events', padded(33 * 1024), { bearer: key }), 413);
    expect((await streamed(projectId)).map((envelope) => envelope.messageId)).toEqual(['small']);
  });
});

describe('the API description', () => {
  interface Operation {
    requestBody?: { content: Record<string, unknown> };
    responses: Record<string, { headers?: Record<string, unknown> }>;
    security?: Record<string, unknown>[];
  }

  it('documents every ingestion route with its bodies, answers and the ways to present a key', async () => {
    const document = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string; name?: string }> };
    };
    for (const path of ['events', 'batch', 'track', 'identify', 'page', 'screen', 'group', 'alias']) {
      const operation = document.paths[`/v1/${path}`]?.['post'];
      expect(operation).toBeDefined();
      expect(Object.keys(operation?.responses ?? {}).sort()).toEqual([
        '202',
        '400',
        '401',
        '403',
        '413',
        '429',
        '503',
      ]);
      expect(Object.keys(operation?.requestBody?.content ?? {}).sort()).toEqual([
        'application/json',
        'text/plain',
      ]);
      expect(operation?.responses['503'].headers).toHaveProperty('Retry-After');
      expect(operation?.security).toEqual([{ apiKey: [] }, { apiKeyBearer: [] }, { apiKeyBasic: [] }]);
    }
    expect(document.components.securitySchemes).toMatchObject({
      apiKey: { type: 'apiKey', name: 'X-Api-Key' },
      apiKeyBearer: { type: 'http', scheme: 'bearer' },
      apiKeyBasic: { type: 'http', scheme: 'basic' },
    });
  });
});

describe('when JetStream does not acknowledge', () => {
  // A gateway (and a keys service to verify its keys) on a NATS server of their own, which the test
  // stops and starts again: nothing else depends on that server.
  let server: ChildProcess | undefined;
  let storeDir: string;
  let port: number;
  let isolatedKeys: RunningService | undefined;
  let isolated: RunningGateway | undefined;

  function startNatsServer(): Promise<ChildProcess> {
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      env: { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/local/sbin:/usr/sbin:/sbin` },
      stdio: 'ignore',
    });
    return eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
        const probe = await connect({ servers: `nats://127.0.0.1:${port}`, maxReconnectAttempts: 0 });
        await probe.close();
        return child;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  }

  async function stopNatsServer(): Promise<void> {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'northstar-ingest-e2e-nats-'));
    port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    server = await startNatsServer();
    const natsUrl = `nats://127.0.0.1:${port}`;
    isolatedKeys = await startTestService(keysService, { NATS_URL: natsUrl });
    isolated = await startTestGateway({
      NATS_URL: natsUrl,
      EVENTS_PUBLISH_TIMEOUT_MS: '500',
      TRUST_PROXY: 'true',
    });
  });

  afterAll(async () => {
    await isolated?.close();
    await isolatedKeys?.close();
    await stopNatsServer();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After, and a retry with the same messageId is stored once', async () => {
    const { projectId, key } = await newProjectKey();
    const base = isolated?.url ?? '';
    // Until the isolated keys service has joined its bus, the key cannot be verified (503).
    await eventually(
      async () => accepted(await post('events', track({ messageId: 'before' }), { bearer: key }, {}, base)),
      { timeoutMs: 10_000, intervalMs: 100 },
    );

    await stopNatsServer();
    const down = await post('batch', { batch: [track({ messageId: 'during' })] }, { bearer: key }, {}, base);
    const problem = await expectProblem(down, 503);
    expect(problem.detail).toMatch(/nothing was accepted/);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);

    server = await startNatsServer();
    await eventually(
      async () =>
        expect(
          await accepted(
            await post('batch', { batch: [track({ messageId: 'during' })] }, { bearer: key }, {}, base),
          ),
        ).toEqual({ accepted: 1, rejected: [] }),
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    const own = await connect({ servers: `nats://127.0.0.1:${port}`, maxReconnectAttempts: 0 });
    try {
      expect((await streamed(projectId, own)).map((envelope) => envelope.messageId)).toEqual([
        'before',
        'during',
      ]);
    } finally {
      await own.close();
    }
  });
});
