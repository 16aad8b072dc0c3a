import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@northstar/config';
import {
  hashApiKey,
  keyVerificationCacheKey,
  KeysBroadcasts,
  KeysSubjects,
  type KeyScope,
  type KeyVerification,
  type RecordUsageRequest,
  type VerifyKeyRequest,
} from '@northstar/contracts';
import { connectTestBus, eventually, testEnv, type TestBus } from '@northstar/testing';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { JSONCodec, type Subscription } from 'nats';
import { GatewayConfig } from '../config';
import { GatewayModule } from '../gateway.module';
import { CurrentKey, KeyAuth, RequireScopes } from './api-key.decorators';
import type { AuthenticatedKey } from './key-verifier';

// The gateway's API-key authentication on the real bus and Redis, in the real gateway module, with
// two probe routes. The keys service is stood in for on the bus (its verify and usage subjects), and
// its Redis read model is written the way the keys service writes it.

@Controller('probe')
class ProbeController {
  @Get('any')
  @KeyAuth()
  any(@CurrentKey() key: AuthenticatedKey): AuthenticatedKey {
    return key;
  }

  @Get('events')
  @RequireScopes('events:write')
  events(@CurrentKey() key: AuthenticatedKey): { projectId: string } {
    return { projectId: key.projectId };
  }
}

const FAILED_ATTEMPTS_PER_MINUTE = 5;
const env = testEnv();

async function startProbeGateway(): Promise<{ app: INestApplication; url: string }> {
  const config = Object.assign(loadConfig(GatewayConfig, { ...env, TRUST_PROXY: 'true' }), {
    REDIS_URL: env['REDIS_URL'],
    API_KEY_FAILED_ATTEMPTS_PER_MINUTE: FAILED_ATTEMPTS_PER_MINUTE,
    API_KEY_USAGE_FLUSH_MS: 200,
  });
  @Module({ imports: [GatewayModule.forConfig(config)], controllers: [ProbeController] })
  class ProbeGatewayModule {}
  const app = await NestFactory.create<NestFastifyApplication>(
    ProbeGatewayModule,
    new FastifyAdapter({ trustProxy: true }),
    // An init failure fails this suite, instead of exiting the test runner.
    { logger: false, abortOnError: false },
  );
  app.setGlobalPrefix('v1');
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

/** The keys service's records, as the stand-in answers them over the bus. */
const records = new Map<string, KeyVerification>();
const verifyCalls: string[] = [];
const usageBatches: RecordUsageRequest[] = [];

let client: TestBus;
let redis: Redis;
let gateway: { app: INestApplication; url: string };
const standIns: Subscription[] = [];

beforeAll(async () => {
  client = await connectTestBus();
  redis = new Redis(env['REDIS_URL'] ?? '');
  const codec = JSONCodec<{ id: string; data: unknown }>();
  const reply = JSONCodec();
  standIns.push(
    client.connection.subscribe(KeysSubjects.verify, {
      queue: 'keys',
      callback: (_error, message) => {
        const { id, data } = codec.decode(message.data);
        const { hash } = data as VerifyKeyRequest;
        verifyCalls.push(hash);
        message.respond(reply.encode({ id, response: { key: records.get(hash) ?? null }, isDisposed: true }));
      },
    }),
    client.connection.subscribe(KeysSubjects.recordUsage, {
      queue: 'keys',
      callback: (_error, message) => {
        const { id, data } = codec.decode(message.data);
        usageBatches.push(data as RecordUsageRequest);
        message.respond(reply.encode({ id, response: { recorded: 1, duplicate: false }, isDisposed: true }));
      },
    }),
  );
  await client.connection.flush();
  gateway = await startProbeGateway();
});

afterAll(async () => {
  await gateway?.app.close();
  for (const subscription of standIns) subscription.unsubscribe();
  await redis?.quit();
  await client?.close();
});

interface TestKey {
  key: string;
  record: KeyVerification;
}

function newKey(overrides: Partial<KeyVerification> = {}): TestKey {
  const key = `nsk_test_${randomBytes(24)
    .toString('base64')
    .replace(/[^0-9A-Za-z]/g, '')
    .padEnd(32, 'x')
    .slice(0, 32)}`;
  const record: KeyVerification = {
    keyId: randomUUID(),
    orgId: randomUUID(),
    projectId: randomUUID(),
    hash: hashApiKey(key),
    scopes: ['events:write'] as KeyScope[],
    expiresAt: null,
    rateLimit: null,
    revoked: false,
    version: 1,
    ...overrides,
  };
  return { key, record };
}

/** Known to the keys service (the bus stand-in). */
function issue(overrides: Partial<KeyVerification> = {}): TestKey {
  const issued = newKey(overrides);
  records.set(issued.record.hash, issued.record);
  return issued;
}

/** An address of its own, so that the per-address failure budget of one test does not leak into another. */
const address = () => `198.51.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

function probe(path: 'any' | 'events', headers: Record<string, string>, from = address()): Promise<Response> {
  return fetch(`${gateway.url}/v1/probe/${path}`, { headers: { 'x-forwarded-for': from, ...headers } });
}

const withKey = (key: string) => ({ 'x-api-key': key });

async function problem(response: Response, status: number): Promise<{ detail: string; status: number }> {
  const body = (await response.json()) as { detail: string; status: number };
  expect({ status: response.status, body }).toMatchObject({ status, body: { status } });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return body;
}

function broadcast(subject: string, data: unknown): Promise<void> {
  // Signed as the keys service signs its broadcasts; the private subjects are outside the contract.
  client.bus.emit(subject as never, data as never);
  return client.connection.flush();
}

describe('authenticating with an API key', () => {
  it('accepts the key as X-Api-Key, as a Bearer token and as Basic user name, past the users guard', async () => {
    const { key, record } = issue({ scopes: ['events:write', 'rpc'] });
    const basic = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    for (const headers of [withKey(key), { authorization: `Bearer ${key}` }, { authorization: basic }]) {
      const response = await probe('any', headers);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        keyId: record.keyId,
        orgId: record.orgId,
        projectId: record.projectId,
        scopes: ['events:write', 'rpc'],
        rateLimit: null,
        rules: { origins: null, ips: null, chains: null },
        credits: null,
      });
    }
  });

  it('answers 401 problems without a key, with an unknown or malformed key, or with a user token', async () => {
    const none = await probe('any', {});
    expect((await problem(none, 401)).detail).toMatch(/API key is required/);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const unknown = newKey();
    expect((await problem(await probe('any', withKey(unknown.key)), 401)).detail).toBe(
      'The API key is invalid',
    );
    await problem(await probe('any', withKey('nsk_live_short')), 401);
    await problem(await probe('any', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' }), 401);
  });

  it('refuses a revoked key', async () => {
    const { key } = issue({ revoked: true });
    expect((await problem(await probe('any', withKey(key)), 401)).detail).toBe(
      'The API key has been revoked',
    );
  });

  it('answers 403 for a key without the scope the route requires', async () => {
    const reader = issue({ scopes: ['analytics:read'] });
    const writer = issue({ scopes: ['events:write'] });
    expect((await problem(await probe('events', withKey(reader.key)), 403)).detail).toMatch(/events:write/);
    expect((await probe('events', withKey(writer.key))).status).toBe(200);
  });
});

describe('the verification caches', () => {
  it('remembers an unknown key briefly: repeated attempts ask the keys service once', async () => {
    const unknown = newKey();
    const from = address();
    for (let i = 0; i < 3; i++) await problem(await probe('any', withKey(unknown.key), from), 401);
    expect(verifyCalls.filter((hash) => hash === unknown.record.hash)).toHaveLength(1);
  });

  it('asks the keys service once for a valid key, then answers from memory', async () => {
    const { key, record } = issue();
    for (let i = 0; i < 3; i++) expect((await probe('any', withKey(key))).status).toBe(200);
    expect(verifyCalls.filter((hash) => hash === record.hash)).toHaveLength(1);
  });

  it("uses the keys service's Redis records before asking over the bus, and ignores junk there", async () => {
    const inRedis = newKey({ scopes: ['rpc'] });
    await redis.set(keyVerificationCacheKey(inRedis.record.hash), JSON.stringify(inRedis.record), 'EX', 60);
    const response = await probe('any', withKey(inRedis.key));
    expect(response.status).toBe(200);
    expect(((await response.json()) as AuthenticatedKey).scopes).toEqual(['rpc']);
    expect(verifyCalls).not.toContain(inRedis.record.hash);

    const junk = issue();
    await redis.set(keyVerificationCacheKey(junk.record.hash), '{"keyId": 42', 'EX', 60);
    expect((await probe('any', withKey(junk.key))).status).toBe(200);
    expect(verifyCalls).toContain(junk.record.hash);
  });

  it('keeps a cached key until the revocation broadcast, which every replica obeys at once', async () => {
    const { key, record } = issue();
    expect((await probe('any', withKey(key))).status).toBe(200);

    // The keys service revokes it; until its broadcast arrives this replica still holds the old record.
    records.set(record.hash, { ...record, revoked: true, version: 2 });
    expect((await probe('any', withKey(key))).status).toBe(200);

    await broadcast(KeysBroadcasts.revoked, {
      keyIds: [record.keyId],
      orgId: record.orgId,
      projectId: record.projectId,
      reason: 'revoked',
      revokedAt: new Date().toISOString(),
    });
    await eventually(async () => expect((await probe('any', withKey(key))).status).toBe(401), {
      timeoutMs: 2000,
    });
  });

  it('applies a changed scope after the update broadcast', async () => {
    const { key, record } = issue({ scopes: ['events:write'] });
    expect((await probe('events', withKey(key))).status).toBe(200);
    records.set(record.hash, { ...record, scopes: ['rpc'], version: 2 });
    await broadcast(KeysBroadcasts.updated, {
      keyId: record.keyId,
      orgId: record.orgId,
      projectId: record.projectId,
      change: 'updated',
    });
    await eventually(async () => expect((await probe('events', withKey(key))).status).toBe(403), {
      timeoutMs: 2000,
    });
  });

  it('refuses a key once it expires, although it is still in memory', async () => {
    const { key, record } = issue({ expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await probe('any', withKey(key))).status).toBe(200);
    await eventually(
      async () =>
        expect((await problem(await probe('any', withKey(key)), 401)).detail).toBe('The API key has expired'),
      { timeoutMs: 5000, intervalMs: 100 },
    );
    expect(verifyCalls.filter((hash) => hash === record.hash)).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('answers the 6th request under a limit of 5 per minute with 429, Retry-After and RateLimit-* headers', async () => {
    const { key } = issue({ rateLimit: { limit: 5, windowSeconds: 60 } });
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await probe('any', withKey(key));
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('5');
      remaining.push(response.headers.get('ratelimit-remaining') ?? '');
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const sixth = await probe('any', withKey(key));
    await problem(sixth, 429);
    const retryAfter = Number(sixth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(12);
    expect(sixth.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(sixth.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(retryAfter);
  });

  it('counts each key on its own', async () => {
    const first = issue({ rateLimit: { limit: 1, windowSeconds: 60 } });
    const second = issue({ rateLimit: { limit: 1, windowSeconds: 60 } });
    expect((await probe('any', withKey(first.key))).status).toBe(200);
    expect((await probe('any', withKey(first.key))).status).toBe(429);
    expect((await probe('any', withKey(second.key))).status).toBe(200);
  });

  it('sends no RateLimit headers for a key without a limit', async () => {
    const { key } = issue();
    const response = await probe('any', withKey(key));
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-limit')).toBeNull();
  });

  it('limits the failed attempts of one address, but not its valid keys already known', async () => {
    const from = address();
    const known = issue();
    expect((await probe('any', withKey(known.key), from)).status).toBe(200);
    for (let i = 0; i < FAILED_ATTEMPTS_PER_MINUTE; i++) {
      await problem(await probe('any', withKey(newKey().key), from), 401);
    }
    const blocked = await probe('any', withKey(newKey().key), from);
    await problem(blocked, 429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await problem(await probe('any', {}, from), 429);

    expect((await probe('any', withKey(known.key), from)).status).toBe(200);
    expect((await probe('any', withKey(newKey().key), address())).status).toBe(401);
  });

  it('lets valid keys this gateway has not seen through an address flooded with bad keys', async () => {
    const from = address();
    for (let i = 0; i <= FAILED_ATTEMPTS_PER_MINUTE; i++) await probe('any', withKey(newKey().key), from);
    await problem(await probe('any', withKey(newKey().key), from), 429);
    // Another client behind the same address (a proxy, a NAT), its key in the keys service's read model.
    const other = issue();
    await redis.set(keyVerificationCacheKey(other.record.hash), JSON.stringify(other.record), 'EX', 60);
    expect((await probe('any', withKey(other.key), from)).status).toBe(200);
    // Unknown to the read model: not looked up for this address until its budget refills.
    await problem(await probe('any', withKey(issue().key), from), 429);
  });
});

describe('usage recording', () => {
  it('counts every request of a key and reports the counts in batches', async () => {
    const { key, record } = issue({ scopes: ['analytics:read'] });
    for (let i = 0; i < 4; i++) expect((await probe('any', withKey(key))).status).toBe(200);
    expect((await probe('events', withKey(key))).status).toBe(403);

    await eventually(() => {
      const entries = usageBatches.flatMap((batch) => batch.entries).filter((e) => e.keyId === record.keyId);
      expect(entries.reduce((sum, entry) => sum + entry.requests, 0)).toBe(5);
      for (const entry of entries) {
        expect(new Date(entry.hour).getTime() % 3600_000).toBe(0);
        expect(Date.parse(entry.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(entry.hour));
      }
    });
    // Batched: far fewer reports than requests, each with its own id.
    const batches = usageBatches.filter((batch) => batch.entries.some((e) => e.keyId === record.keyId));
    expect(batches.length).toBeLessThan(5);
    expect(new Set(usageBatches.map((batch) => batch.batchId)).size).toBe(usageBatches.length);
  });

  it('does not count refused requests', async () => {
    const revoked = issue({ revoked: true });
    const limited = issue({ rateLimit: { limit: 1, windowSeconds: 60 } });
    const marker = issue();
    await problem(await probe('any', withKey(revoked.key)), 401);
    expect((await probe('any', withKey(limited.key))).status).toBe(200);
    await problem(await probe('any', withKey(limited.key)), 429);
    expect((await probe('any', withKey(marker.key))).status).toBe(200);

    // Once the request made last has been reported, so have the ones before it.
    const reported = () => usageBatches.flatMap((batch) => batch.entries);
    await eventually(() => expect(reported().some((e) => e.keyId === marker.record.keyId)).toBe(true));
    expect(reported().some((e) => e.keyId === revoked.record.keyId)).toBe(false);
    expect(
      reported()
        .filter((e) => e.keyId === limited.record.keyId)
        .map((e) => e.requests),
    ).toEqual([1]);
  });
});
