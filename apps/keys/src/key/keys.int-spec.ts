import { EntityManager } from '@mikro-orm/postgresql';
import {
  creditCounterKey,
  BusErrorCode,
  hashApiKey,
  keyVerificationCacheKey,
  KeysBroadcasts,
  KeysSubjects,
  TenancyEvents,
  type Actor,
  type ApiKeyDto,
  type CreatedApiKeyDto,
  type CreateKeyRequest,
  type KeyRevokedEvent,
  type KeyUpdatedEvent,
  type KeyVerification,
} from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  busError,
  connectTestBus,
  eventually,
  startTestService,
  testEnv,
  userActor,
  type TestBus,
  TenancyStandIn,
  type TestProject,
  testEventPublisher,
} from '@northstar/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { JSONCodec, type Subscription } from 'nats';
import { ChainsStandIn } from '../../test/chains-stand-in';
import { keysService } from '../keys.service-definition';

let keys: RunningService;
let chains: ChainsStandIn;
let client: TestBus;
let tenancy: TenancyStandIn;
let redis: Redis;
let broadcasts: Subscription;
const received: { subject: string; data: unknown }[] = [];

beforeAll(async () => {
  client = await connectTestBus();
  tenancy = new TenancyStandIn(client.connection);
  await tenancy.start();
  keys = await startTestService(keysService);
  chains = new ChainsStandIn(client.connection);
  await chains.start();
  redis = new Redis(testEnv()['REDIS_URL'] ?? '');
  const codec = JSONCodec<{ data: unknown }>();
  broadcasts = client.connection.subscribe('keys.key.*', {
    callback: (error, message) => {
      if (!error) received.push({ subject: message.subject, data: codec.decode(message.data).data });
    },
  });
  await client.connection.flush();
});

afterAll(async () => {
  broadcasts?.unsubscribe();
  tenancy?.stop();
  await redis?.quit();
  chains?.stop();
  await keys?.close();
  await client?.close();
});

/** A user who owns a fresh organisation with one project. */
function owner(): { actor: Actor; tenant: TestProject } {
  const actor = userActor();
  return { actor, tenant: tenancy.organisation(actor.userId) };
}

function create(
  actor: Actor,
  tenant: TestProject,
  overrides: Partial<Omit<CreateKeyRequest, 'actor' | 'projectId'>> = {},
): Promise<CreatedApiKeyDto> {
  return client.bus.send(KeysSubjects.create, {
    actor,
    projectId: tenant.projectId,
    name: 'Server key',
    scopes: ['events:write'],
    ...overrides,
  });
}

const verify = async (key: string): Promise<KeyVerification | null> =>
  (await client.bus.send(KeysSubjects.verify, { hash: hashApiKey(key) })).key;

async function cached(key: string): Promise<KeyVerification | null> {
  const raw = await redis.get(keyVerificationCacheKey(hashApiKey(key)));
  return raw ? (JSON.parse(raw) as KeyVerification) : null;
}

function broadcastsAbout<T>(subject: string, matches: (event: T) => boolean): T[] {
  return received
    .filter((m) => m.subject === subject)
    .map((m) => m.data as T)
    .filter(matches);
}

describe('issuing a key', () => {
  it('answers the plaintext once, and never again in a get or a list', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant, {
      name: 'Ingestion',
      scopes: ['events:write', 'analytics:read'],
      rateLimit: { limit: 100, windowSeconds: 60 },
    });

    expect(created).toEqual({
      id: expect.any(String),
      projectId: tenant.projectId,
      name: 'Ingestion',
      prefix: created.key.slice(0, 12),
      scopes: ['events:write', 'analytics:read'],
      key: expect.stringMatching(/^nsk_test_[0-9A-Za-z]{32}$/),
      createdAt: expect.any(String),
      expiresAt: null,
      rateLimit: { limit: 100, windowSeconds: 60 },
      lastUsedAt: null,
      revokedAt: null,
      allowedOrigins: [],
      allowedIps: [],
      allowedChains: [],
      credits: null,
    });

    const got = await client.bus.send(KeysSubjects.get, { actor, keyId: created.id });
    const listed = await client.bus.send(KeysSubjects.list, { actor, projectId: tenant.projectId });
    const { key: _plaintext, ...withoutKey } = created;
    expect(got).toEqual(withoutKey);
    expect(listed.items).toEqual([withoutKey]);
    const secretPart = created.key.slice(12);
    expect(JSON.stringify([got, listed])).not.toContain(secretPart);
  });

  it('stores only the SHA-256 of the key', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant);
    const em = keys.app.get(EntityManager).fork();
    const rows = await em.execute<Record<string, unknown>[]>(
      `select k.*, s.* from "keys"."api_keys" k join "keys"."key_secrets" s on s."key_id" = k."id" where k."id" = ?`,
      [created.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]['hash']).toBe(hashApiKey(created.key));
    expect(JSON.stringify(rows)).not.toContain(created.key.slice(12));
  });

  it('verifies the key by its hash, with what the gateway needs, and nothing for an unknown hash', async () => {
    const { actor, tenant } = owner();
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const created = await create(actor, tenant, { scopes: ['rpc'], expiresAt });

    expect(await verify(created.key)).toEqual({
      keyId: created.id,
      orgId: tenant.orgId,
      projectId: tenant.projectId,
      hash: hashApiKey(created.key),
      scopes: ['rpc'],
      expiresAt,
      rateLimit: null,
      revoked: false,
      version: expect.any(Number),
      allowedOrigins: [],
      allowedIps: [],
      allowedChains: [],
      allowedChainIds: [],
      credits: null,
    });
    // The verification is offered to the gateways' shared cache.
    expect(await cached(created.key)).toEqual(await verify(created.key));
    expect(await verify(`nsk_test_${'x'.repeat(32)}`)).toBeNull();

    const malformed = await busError(client.bus.send(KeysSubjects.verify, { hash: created.key }));
    expect(malformed.code).toBe(BusErrorCode.ValidationFailed);
    expect(malformed.extra.errors?.map((e) => e.field)).toEqual(['hash']);
  });

  it('refuses unknown scopes, an expiry in the past and a bad rate limit, naming the fields', async () => {
    const { actor, tenant } = owner();
    const badScopes = await busError(create(actor, tenant, { scopes: ['events:write', 'admin' as 'rpc'] }));
    expect(badScopes.code).toBe(BusErrorCode.ValidationFailed);
    expect(badScopes.extra.errors?.map((e) => e.field)).toEqual(['scopes']);

    const noScopes = await busError(create(actor, tenant, { scopes: [] }));
    expect(noScopes.extra.errors?.map((e) => e.field)).toEqual(['scopes']);

    const past = await busError(create(actor, tenant, { expiresAt: '2020-01-01T00:00:00Z' }));
    expect(past.code).toBe(BusErrorCode.ValidationFailed);
    expect(past.extra.errors).toEqual([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);

    const noZone = await busError(create(actor, tenant, { expiresAt: '2099-01-01T00:00:00' }));
    expect(noZone.extra.errors?.map((e) => e.field)).toEqual(['expiresAt']);

    const badLimit = await busError(create(actor, tenant, { rateLimit: { limit: 0, windowSeconds: 60 } }));
    expect(badLimit.extra.errors?.map((e) => e.field)).toEqual(['rateLimit.limit']);

    expect((await client.bus.send(KeysSubjects.list, { actor, projectId: tenant.projectId })).items).toEqual(
      [],
    );
  });

  it('pages the project keys newest first, without gaps or repeats', async () => {
    const { actor, tenant } = owner();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await create(actor, tenant, { name: `key ${i}` })).id);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await client.bus.send(KeysSubjects.list, {
        actor,
        projectId: tenant.projectId,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...answer.items.map((item) => item.id));
      if (answer.nextCursor === null) break;
      cursor = answer.nextCursor;
    }
    expect(seen).toEqual([...made].reverse());

    const error = await busError(
      client.bus.send(KeysSubjects.list, { actor, projectId: tenant.projectId, cursor: 'bm9wZQ' }),
    );
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['cursor']);
  });
});

describe('who may do what', () => {
  it('lets a viewer read keys but not issue, change, rotate or revoke them', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant);
    const viewer = userActor();
    tenancy.addMember(tenant, viewer.userId, 'viewer');

    expect((await client.bus.send(KeysSubjects.get, { actor: viewer, keyId: created.id })).id).toBe(
      created.id,
    );
    expect(
      (await client.bus.send(KeysSubjects.list, { actor: viewer, projectId: tenant.projectId })).items,
    ).toHaveLength(1);

    const refusals = await Promise.all([
      busError(create(viewer, tenant)),
      busError(client.bus.send(KeysSubjects.update, { actor: viewer, keyId: created.id, name: 'mine' })),
      busError(client.bus.send(KeysSubjects.rotate, { actor: viewer, keyId: created.id })),
      busError(client.bus.send(KeysSubjects.revoke, { actor: viewer, keyId: created.id })),
    ]);
    expect(refusals.map((error) => error.code)).toEqual(Array(4).fill(BusErrorCode.Forbidden));
    expect((await verify(created.key))?.revoked).toBe(false);
    // Keys asked tenancy for the permission of each command.
    const asked = tenancy.checks.filter((check) => check.actor.userId === viewer.userId);
    expect(asked.map((check) => check.permission)).toEqual([
      'keys:read',
      'keys:read',
      ...Array(4).fill('keys:manage'),
    ]);
  });

  it('lets an admin manage keys', async () => {
    const { actor, tenant } = owner();
    const admin = userActor();
    tenancy.addMember(tenant, admin.userId, 'admin');
    const created = await create(admin, tenant);
    await client.bus.send(KeysSubjects.revoke, { actor: admin, keyId: created.id });
    expect((await client.bus.send(KeysSubjects.get, { actor, keyId: created.id })).revokedAt).not.toBeNull();
  });

  it("answers not_found for another organisation's keys and projects, as for keys that do not exist", async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant);
    const stranger = owner();

    const attempts = await Promise.all([
      busError(client.bus.send(KeysSubjects.get, { actor: stranger.actor, keyId: created.id })),
      busError(client.bus.send(KeysSubjects.update, { actor: stranger.actor, keyId: created.id, name: 'x' })),
      busError(client.bus.send(KeysSubjects.rotate, { actor: stranger.actor, keyId: created.id })),
      busError(client.bus.send(KeysSubjects.revoke, { actor: stranger.actor, keyId: created.id })),
      busError(client.bus.send(KeysSubjects.endpoints, { actor: stranger.actor, keyId: created.id })),
      busError(client.bus.send(KeysSubjects.list, { actor: stranger.actor, projectId: tenant.projectId })),
      busError(create(stranger.actor, tenant)),
    ]);
    expect(attempts.map((error) => error.code)).toEqual(Array(7).fill(BusErrorCode.NotFound));
    const missing = await busError(client.bus.send(KeysSubjects.get, { actor, keyId: randomUUID() }));
    expect(missing.code).toBe(BusErrorCode.NotFound);
    expect(attempts[0].message).toBe(missing.message);
    expect((await verify(created.key))?.revoked).toBe(false);
  });

  it('keeps the keys of two projects of one organisation apart', async () => {
    const { actor, tenant } = owner();
    const other = tenancy.sibling(tenant);
    const first = await create(actor, tenant);
    const second = await create(actor, other);
    const list = async (t: TestProject) =>
      (await client.bus.send(KeysSubjects.list, { actor, projectId: t.projectId })).items.map((k) => k.id);
    expect(await list(tenant)).toEqual([first.id]);
    expect(await list(other)).toEqual([second.id]);
  });
});

describe('changing a key', () => {
  it('applies name, scopes, rate limit and expiry, refreshes the shared cache and broadcasts the change', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant, { rateLimit: { limit: 5, windowSeconds: 60 } });
    const before = await verify(created.key);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();

    const updated = await client.bus.send(KeysSubjects.update, {
      actor,
      keyId: created.id,
      name: 'Renamed',
      scopes: ['analytics:read'],
      expiresAt,
      rateLimit: null,
    });

    expect(updated).toMatchObject({
      name: 'Renamed',
      scopes: ['analytics:read'],
      expiresAt,
      rateLimit: null,
    });
    expect(await cached(created.key)).toMatchObject({
      scopes: ['analytics:read'],
      expiresAt,
      rateLimit: null,
      version: (before?.version ?? 0) + 1,
    });
    await eventually(() =>
      expect(
        broadcastsAbout<KeyUpdatedEvent>(KeysBroadcasts.updated, (event) => event.keyId === created.id),
      ).toEqual([{ keyId: created.id, orgId: tenant.orgId, projectId: tenant.projectId, change: 'updated' }]),
    );

    const cleared = await client.bus.send(KeysSubjects.update, { actor, keyId: created.id, expiresAt: null });
    expect(cleared.expiresAt).toBeNull();
    expect(cleared.name).toBe('Renamed');
  });

  it('refuses to change a revoked key', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant);
    await client.bus.send(KeysSubjects.revoke, { actor, keyId: created.id });
    const error = await busError(
      client.bus.send(KeysSubjects.update, { actor, keyId: created.id, name: 'x' }),
    );
    expect(error.code).toBe(BusErrorCode.Conflict);
    expect((await busError(client.bus.send(KeysSubjects.rotate, { actor, keyId: created.id }))).code).toBe(
      BusErrorCode.Conflict,
    );
  });
});

describe('rotating a key', () => {
  it('issues a new key and keeps the previous one valid until the grace period ends', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant);
    const started = Date.now();

    const rotated = await client.bus.send(KeysSubjects.rotate, {
      actor,
      keyId: created.id,
      gracePeriodSeconds: 3600,
    });

    expect(rotated.key).toMatch(/^nsk_test_/);
    expect(rotated.key).not.toBe(created.key);
    expect(rotated).toMatchObject({ id: created.id, prefix: rotated.key.slice(0, 12) });
    const graceEnds = Date.parse(rotated.previousKeyExpiresAt);
    expect(graceEnds).toBeGreaterThanOrEqual(started + 3600_000 - 1000);

    const [old, fresh] = [await verify(created.key), await verify(rotated.key)];
    expect(old).toMatchObject({ keyId: created.id, revoked: false, expiresAt: rotated.previousKeyExpiresAt });
    expect(fresh).toMatchObject({ keyId: created.id, revoked: false, expiresAt: null });
    // The gateways' shared cache learnt the end of the old key at once.
    expect((await cached(created.key))?.expiresAt).toBe(rotated.previousKeyExpiresAt);
    const got = await client.bus.send(KeysSubjects.get, { actor, keyId: created.id });
    expect(JSON.stringify(got)).not.toContain(rotated.key.slice(12));
    expect(got.prefix).toBe(rotated.key.slice(0, 12));
  });

  it('ends the previous key at once without a grace period', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant);
    await verify(created.key); // now cached in Redis as valid without expiry
    const rotated = await client.bus.send(KeysSubjects.rotate, { actor, keyId: created.id });

    const old = await verify(created.key);
    expect(Date.parse(old?.expiresAt ?? '')).toBeLessThanOrEqual(Date.now());
    expect(old?.expiresAt).toBe(rotated.previousKeyExpiresAt);
    expect((await cached(created.key))?.expiresAt).toBe(rotated.previousKeyExpiresAt);
    expect((await verify(rotated.key))?.expiresAt).toBeNull();
    await eventually(() =>
      expect(
        broadcastsAbout<KeyUpdatedEvent>(KeysBroadcasts.updated, (e) => e.keyId === created.id).map(
          (e) => e.change,
        ),
      ).toEqual(['rotated']),
    );
  });

  it('ends a key still in an earlier grace period when rotated again', async () => {
    const { actor, tenant } = owner();
    const first = await create(actor, tenant);
    const second = await client.bus.send(KeysSubjects.rotate, {
      actor,
      keyId: first.id,
      gracePeriodSeconds: 3600,
    });
    const third = await client.bus.send(KeysSubjects.rotate, {
      actor,
      keyId: first.id,
      gracePeriodSeconds: 60,
    });
    const ends = Date.parse(third.previousKeyExpiresAt);
    expect(Date.parse((await verify(first.key))?.expiresAt ?? '')).toBe(ends);
    expect(Date.parse((await verify(second.key))?.expiresAt ?? '')).toBe(ends);
    expect((await verify(third.key))?.expiresAt).toBeNull();
  });
});

describe('revoking keys', () => {
  it('marks every secret of the key revoked, in the shared cache too, and broadcasts it', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant);
    const rotated = await client.bus.send(KeysSubjects.rotate, {
      actor,
      keyId: created.id,
      gracePeriodSeconds: 600,
    });

    await client.bus.send(KeysSubjects.revoke, { actor, keyId: created.id });

    for (const key of [created.key, rotated.key]) {
      expect(await cached(key)).toMatchObject({ revoked: true });
      expect(await verify(key)).toMatchObject({ revoked: true });
    }
    const got = await client.bus.send(KeysSubjects.get, { actor, keyId: created.id });
    expect(got.revokedAt).toEqual(expect.any(String));
    await eventually(() =>
      expect(
        broadcastsAbout<KeyRevokedEvent>(KeysBroadcasts.revoked, (e) => e.keyIds.includes(created.id)),
      ).toEqual([
        {
          keyIds: [created.id],
          orgId: tenant.orgId,
          projectId: tenant.projectId,
          reason: 'revoked',
          revokedAt: got.revokedAt,
        },
      ]),
    );

    // Revoking again changes nothing and answers the same.
    await expect(client.bus.send(KeysSubjects.revoke, { actor, keyId: created.id })).resolves.toEqual({
      revoked: true,
    });
    expect((await client.bus.send(KeysSubjects.get, { actor, keyId: created.id })).revokedAt).toBe(
      got.revokedAt,
    );
  });

  it("revokes every key of a deleted project, once, and no other project's keys", async () => {
    const { actor, tenant } = owner();
    const other = tenancy.sibling(tenant);
    const [a, b, kept] = [
      await create(actor, tenant),
      await create(actor, tenant),
      await create(actor, other),
    ];
    const publisher = testEventPublisher(client.connection, 'keys-int-spec');
    const event = { projectId: tenant.projectId, orgId: tenant.orgId, deletedAt: new Date().toISOString() };

    await publisher.publish(TenancyEvents.projectDeleted, event);
    // At least once: a second delivery of the same event must be harmless.
    await publisher.publish(TenancyEvents.projectDeleted, event);

    await eventually(async () => {
      expect(await verify(a.key)).toMatchObject({ revoked: true });
      expect(await verify(b.key)).toMatchObject({ revoked: true });
    });
    expect(await verify(kept.key)).toMatchObject({ revoked: false });
    await eventually(() => {
      const events = broadcastsAbout<KeyRevokedEvent>(
        KeysBroadcasts.revoked,
        (e) => e.projectId === tenant.projectId,
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ reason: 'project_deleted', orgId: tenant.orgId });
      expect([...events[0].keyIds].sort()).toEqual([a.id, b.id].sort());
    });
  });
});

describe('usage', () => {
  const hourOf = (date: Date) => new Date(Math.floor(date.getTime() / 3600_000) * 3600_000).toISOString();

  async function hourlyRequests(keyId: string): Promise<{ hour: string; requests: number }[]> {
    const em = keys.app.get(EntityManager).fork();
    const rows = await em.execute<{ hour: Date; requests: string }[]>(
      `select "hour", "requests" from "keys"."key_usage_hourly" where "key_id" = ? order by "hour"`,
      [keyId],
    );
    return rows.map((row) => ({ hour: new Date(row.hour).toISOString(), requests: Number(row.requests) }));
  }

  it('adds batched counts per hour, moves lastUsedAt forward, and counts a retried batch once', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant);
    const now = new Date();
    const earlier = new Date(now.getTime() - 2 * 3600_000);
    const batch = {
      batchId: randomUUID(),
      entries: [
        { keyId: created.id, hour: hourOf(now), requests: 7, lastUsedAt: now.toISOString() },
        { keyId: created.id, hour: hourOf(earlier), requests: 2, lastUsedAt: earlier.toISOString() },
        { keyId: randomUUID(), hour: hourOf(now), requests: 1, lastUsedAt: now.toISOString() },
      ],
    };

    expect(await client.bus.send(KeysSubjects.recordUsage, batch)).toEqual({ recorded: 2, duplicate: false });
    expect(await client.bus.send(KeysSubjects.recordUsage, batch)).toEqual({ recorded: 0, duplicate: true });
    await client.bus.send(KeysSubjects.recordUsage, {
      batchId: randomUUID(),
      entries: [{ keyId: created.id, hour: hourOf(now), requests: 3, lastUsedAt: earlier.toISOString() }],
    });

    expect(await hourlyRequests(created.id)).toEqual([
      { hour: hourOf(earlier), requests: 2 },
      { hour: hourOf(now), requests: 10 },
    ]);
    const got: ApiKeyDto = await client.bus.send(KeysSubjects.get, { actor, keyId: created.id });
    expect(got.lastUsedAt).toBe(now.toISOString());
  });

  it("writes back the credits gateways report: lower within a period, a refill's count, never an old generation's", async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant, {
      scopes: ['rpc'],
      credits: { remaining: 100, refill: { interval: 'daily', amount: 100 } },
    });
    expect(created.credits).toEqual({ remaining: 100, refill: { interval: 'daily', amount: 100 } });
    const record = await verify(created.key);
    const period = Math.floor(Date.now() / 86_400_000);
    expect(record?.credits).toEqual({
      remaining: 100,
      refill: { interval: 'daily', amount: 100 },
      generation: 1,
      period,
    });
    const report = async (...credits: { generation: number; period: number; remaining: number }[]) => {
      await client.bus.send(KeysSubjects.recordUsage, {
        batchId: randomUUID(),
        entries: [],
        credits: credits.map((entry) => ({ keyId: created.id, ...entry })),
      });
      const got: ApiKeyDto = await client.bus.send(KeysSubjects.get, { actor, keyId: created.id });
      return got.credits?.remaining;
    };

    expect(
      await report({ generation: 1, period, remaining: 60 }, { generation: 1, period, remaining: 40 }),
    ).toBe(40);
    // A slower gateway's older observation does not raise the count again.
    expect(await report({ generation: 1, period, remaining: 70 })).toBe(40);
    expect(await report({ generation: 1, period: period + 1, remaining: 99 })).toBe(99);
    expect(await report({ generation: 1, period, remaining: 5 })).toBe(99);

    const patched: ApiKeyDto = await client.bus.send(KeysSubjects.update, {
      actor,
      keyId: created.id,
      credits: { remaining: 500 },
    });
    expect(patched.credits).toEqual({ remaining: 500, refill: null });
    // The gateways' counter is replaced at once, not only when they next read the key's record.
    expect(await redis.hgetall(creditCounterKey(created.id))).toEqual({ r: '500', g: '2', p: '0', a: '0' });
    expect((await verify(created.key))?.credits).toMatchObject({ remaining: 500, generation: 2, period: 0 });
    // Reports of the counter of the replaced credits are dropped.
    expect(await report({ generation: 1, period: period + 1, remaining: 3 })).toBe(500);
    expect(await report({ generation: 2, period: 0, remaining: 450 })).toBe(450);

    const removed: ApiKeyDto = await client.bus.send(KeysSubjects.update, {
      actor,
      keyId: created.id,
      credits: null,
    });
    expect(removed.credits).toBeNull();
    expect(await redis.exists(creditCounterKey(created.id))).toBe(0);
    expect((await verify(created.key))?.credits).toBeNull();
  });
});

describe('RPC endpoints', () => {
  it('lists every active chain of the catalog, page after page, and drops a deactivated one', async () => {
    const { actor, tenant } = owner();
    const created = await create(actor, tenant, { scopes: ['rpc'] });
    // More chains than fit one page of the stand-in: keys must follow every page.
    const ethereum = chains.add('ethereum', 1);
    chains.add('base', 8453);
    chains.add('solana', null);
    chains.add('retired', 999, 'inactive');
    const extra = chains.add('extra-chain', 4242);

    const endpoints = await client.bus.send(KeysSubjects.endpoints, { actor, keyId: created.id });
    expect(endpoints).toEqual([
      {
        chain: 'base',
        chainId: 8453,
        http: 'https://base.rpc.example.com/v1/{key}',
        ws: 'wss://base.rpc.example.com/ws/{key}',
      },
      { chain: 'ethereum', chainId: 1, ...ethereum.rpc },
      { chain: 'extra-chain', chainId: 4242, ...extra.rpc },
      {
        chain: 'solana',
        chainId: null,
        http: expect.stringContaining('{key}'),
        ws: expect.stringContaining('{key}'),
      },
    ]);

    chains.add('extra-chain', 4242, 'inactive');
    const after = await client.bus.send(KeysSubjects.endpoints, { actor, keyId: created.id });
    expect(after.map((e) => e.chain)).toEqual(['base', 'ethereum', 'solana']);
  });

  it('refuses a key without the rpc scope, or revoked, as unprocessable', async () => {
    const { actor, tenant } = owner();
    const eventsOnly = await create(actor, tenant, { scopes: ['events:write'] });
    const error = await busError(client.bus.send(KeysSubjects.endpoints, { actor, keyId: eventsOnly.id }));
    expect(error.code).toBe(BusErrorCode.Unprocessable);
    expect(error.message).toMatch(/rpc scope/);

    const rpc = await create(actor, tenant, { scopes: ['rpc'] });
    await client.bus.send(KeysSubjects.revoke, { actor, keyId: rpc.id });
    expect((await busError(client.bus.send(KeysSubjects.endpoints, { actor, keyId: rpc.id }))).code).toBe(
      BusErrorCode.Unprocessable,
    );
  });
});
