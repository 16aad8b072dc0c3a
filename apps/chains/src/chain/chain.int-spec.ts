import {
  BusErrorCode,
  ChainsSubjects,
  type Actor,
  type ListChainAuditRequest,
  type ChainDto,
  type ChainInput,
  type GetChainRequest,
  type ListChainsRequest,
} from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  adminActor,
  busError,
  chainInput,
  connectTestBus,
  eventually,
  readMetric,
  startTestService,
  uniqueSlug,
  userActor,
  type TestBus,
} from '@northstar/testing';
import { chainsService } from '../chains.service-definition';
import { ChainHandler } from './chain.handler';

let service: RunningService;
let client: TestBus;
// Every chain a test creates; afterAll removes those a failing test left behind.
const created = new Set<string>();

beforeAll(async () => {
  service = await startTestService(chainsService);
  client = await connectTestBus();
});

afterAll(async () => {
  if (client) {
    for (const slug of created) {
      await client.bus.send(ChainsSubjects.delete, { slug, actor: adminActor() }).catch(() => undefined);
    }
    await client.close();
  }
  await service?.close();
});

const list = (query: ListChainsRequest = {}) => client.bus.send(ChainsSubjects.list, query);
const get = (slug: string) => client.bus.send(ChainsSubjects.get, { slug });

async function create(overrides: Partial<ChainInput> = {}): Promise<ChainDto> {
  const input = chainInput(overrides);
  created.add(input.slug);
  return client.bus.send(ChainsSubjects.create, { actor: adminActor(), chain: input });
}

/** Every chain matching the query, following nextCursor page by page. */
async function listAll(query: ListChainsRequest = {}): Promise<ChainDto[]> {
  const items: ChainDto[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await list({ ...query, ...(cursor ? { cursor } : {}) });
    items.push(...answer.items);
    if (answer.nextCursor === null) return items;
    cursor = answer.nextCursor;
  }
  throw new Error('the list never ended');
}

const slugsOf = (chains: ChainDto[]) => chains.map((chain) => chain.slug);

describe('reading the catalog', () => {
  it('lists the seeded major networks, each with its public fields', async () => {
    const chains = await listAll();
    expect(slugsOf(chains)).toEqual(
      expect.arrayContaining([
        'ethereum',
        'polygon',
        'arbitrum',
        'optimism',
        'base',
        'bnb',
        'avalanche',
        'sepolia',
      ]),
    );
    expect(chains.find((chain) => chain.slug === 'ethereum')).toEqual({
      slug: 'ethereum',
      chainId: 1,
      name: 'Ethereum',
      ecosystem: 'evm',
      testnet: false,
      nativeCurrency: { symbol: 'ETH', decimals: 18 },
      explorerUrl: 'https://etherscan.io',
      status: 'active',
      rpc: { http: expect.stringContaining('{key}'), ws: expect.stringContaining('{key}') },
    });
    expect(chains.find((chain) => chain.slug === 'sepolia')).toMatchObject({
      testnet: true,
      chainId: 11155111,
    });
  });

  it('filters by ecosystem, testnet and status', async () => {
    const solana = await listAll({ ecosystem: 'solana' });
    expect(slugsOf(solana)).toContain('solana');
    expect(solana.every((chain) => chain.ecosystem === 'solana')).toBe(true);

    const testnets = await listAll({ testnet: true });
    expect(slugsOf(testnets)).toContain('sepolia');
    expect(slugsOf(testnets)).not.toContain('ethereum');
    expect(testnets.every((chain) => chain.testnet)).toBe(true);

    const mainnets = await listAll({ ecosystem: 'evm', testnet: false, status: 'active' });
    expect(slugsOf(mainnets)).toContain('ethereum');
    expect(slugsOf(mainnets)).not.toContain('sepolia');
    expect(mainnets.every((c) => c.ecosystem === 'evm' && !c.testnet && c.status === 'active')).toBe(true);
  });

  it('pages with limit and nextCursor, in slug order, without gaps or repeats', async () => {
    const everything = slugsOf(await listAll());
    const first = await list({ limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));

    const second = await list({ limit: 3, cursor: first.nextCursor ?? undefined });
    expect(slugsOf([...first.items, ...second.items])).toEqual(everything.slice(0, 6));

    const pagedBy5 = slugsOf(await listAll({ limit: 5 }));
    expect(pagedBy5).toEqual(everything);
    expect([...everything].sort()).toEqual(everything);
  });

  it('answers a last page with nextCursor null', async () => {
    const page = await list({ limit: 200 });
    expect(page.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not issue', async () => {
    const error = await busError(list({ cursor: 'not-a-cursor!' }));
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['cursor']);
  });

  it('gets one chain by slug', async () => {
    expect(await get('base')).toMatchObject({ slug: 'base', chainId: 8453, name: 'Base' });
  });

  it('answers not_found for an unknown slug', async () => {
    const error = await busError(get(uniqueSlug('unknown')));
    expect(error.code).toBe(BusErrorCode.NotFound);
  });

  it('answers validation_failed with the field for a malformed slug or an unknown field', async () => {
    const malformed = await busError(get('NOT A SLUG!'));
    expect(malformed.code).toBe(BusErrorCode.ValidationFailed);
    expect(malformed.extra.errors).toEqual([{ field: 'slug', message: expect.stringContaining('slug') }]);

    const unknownField = { slug: 'ethereum', includeSecrets: true } as GetChainRequest;
    const extra = await busError(client.bus.send(ChainsSubjects.get, unknownField));
    expect(extra.code).toBe(BusErrorCode.ValidationFailed);
    expect(extra.extra.errors?.map((e) => e.field)).toEqual(['includeSecrets']);
  });
});

describe('managing the catalog', () => {
  it('lets an admin create a chain, visible in the list and by slug at once', async () => {
    await listAll(); // the catalog is cached now: the create must invalidate it
    const input = chainInput({ slug: uniqueSlug('create'), testnet: true });
    created.add(input.slug);
    const chain = await client.bus.send(ChainsSubjects.create, { actor: adminActor(), chain: input });

    expect(chain).toEqual({ ...input, status: 'active' });
    expect(slugsOf(await listAll({ testnet: true }))).toContain(input.slug);
    expect(await get(input.slug)).toEqual(chain);
  });

  it('applies an admin update at once: an inactive chain leaves the active list', async () => {
    const { slug } = await create();
    expect(slugsOf(await listAll({ status: 'active' }))).toContain(slug);

    const updated = await client.bus.send(ChainsSubjects.update, {
      slug,
      actor: adminActor(),
      patch: { status: 'inactive', name: 'Retired chain' },
    });

    expect(updated).toMatchObject({ slug, status: 'inactive', name: 'Retired chain' });
    expect(slugsOf(await listAll({ status: 'active' }))).not.toContain(slug);
    expect(slugsOf(await listAll({ status: 'inactive' }))).toContain(slug);
    expect(await get(slug)).toEqual(updated);
  });

  it('lets an admin delete a chain, which is not found afterwards', async () => {
    const { slug } = await create();
    expect(await client.bus.send(ChainsSubjects.delete, { slug, actor: adminActor() })).toEqual({
      deleted: true,
    });

    expect((await busError(get(slug))).code).toBe(BusErrorCode.NotFound);
    expect(slugsOf(await listAll())).not.toContain(slug);
    const again = await busError(client.bus.send(ChainsSubjects.delete, { slug, actor: adminActor() }));
    expect(again.code).toBe(BusErrorCode.NotFound);
  });

  it('answers not_found when updating an unknown chain', async () => {
    const error = await busError(
      client.bus.send(ChainsSubjects.update, {
        slug: uniqueSlug('ghost'),
        actor: adminActor(),
        patch: { name: 'x' },
      }),
    );
    expect(error.code).toBe(BusErrorCode.NotFound);
  });

  it('forbids a user who is not a platform admin to create, update or delete', async () => {
    const input = chainInput();
    created.add(input.slug);
    const createError = await busError(
      client.bus.send(ChainsSubjects.create, { actor: userActor(), chain: input }),
    );
    expect(createError.code).toBe(BusErrorCode.Forbidden);
    expect((await busError(get(input.slug))).code).toBe(BusErrorCode.NotFound);

    const { slug } = await create();
    const update = { slug, actor: userActor(), patch: { status: 'inactive' as const } };
    expect((await busError(client.bus.send(ChainsSubjects.update, update))).code).toBe(
      BusErrorCode.Forbidden,
    );
    const remove = { slug, actor: userActor() };
    expect((await busError(client.bus.send(ChainsSubjects.delete, remove))).code).toBe(
      BusErrorCode.Forbidden,
    );
    expect(await get(slug)).toMatchObject({ status: 'active' });
  });

  it('answers conflict for a duplicate slug or a duplicate EVM chain id', async () => {
    const existing = await create();

    const sameSlug = chainInput({ slug: existing.slug });
    const slugError = await busError(
      client.bus.send(ChainsSubjects.create, { actor: adminActor(), chain: sameSlug }),
    );
    expect(slugError.code).toBe(BusErrorCode.Conflict);

    const sameChainId = chainInput({ chainId: existing.chainId });
    created.add(sameChainId.slug);
    const idError = await busError(
      client.bus.send(ChainsSubjects.create, { actor: adminActor(), chain: sameChainId }),
    );
    expect(idError.code).toBe(BusErrorCode.Conflict);
    expect((await busError(get(sameChainId.slug))).code).toBe(BusErrorCode.NotFound);
  });

  it('refuses an EVM chain without a chain id, on create and on update', async () => {
    const input = chainInput({ chainId: null });
    created.add(input.slug);
    const createError = await busError(
      client.bus.send(ChainsSubjects.create, { actor: adminActor(), chain: input }),
    );
    expect(createError.code).toBe(BusErrorCode.ValidationFailed);
    expect(new Set(createError.extra.errors?.map((e) => e.field))).toEqual(new Set(['chain.chainId']));

    const { slug } = await create();
    const update = { slug, actor: adminActor(), patch: { chainId: null } };
    const updateError = await busError(client.bus.send(ChainsSubjects.update, update));
    expect(updateError.code).toBe(BusErrorCode.ValidationFailed);
    expect(updateError.extra.errors?.map((e) => e.field)).toEqual(['chainId']);
  });

  it('refuses RPC templates without the {key} placeholder', async () => {
    const input = chainInput({ rpc: { http: 'https://rpc.example.com/v1', ws: 'wss://rpc.example.com/ws' } });
    created.add(input.slug);
    const error = await busError(
      client.bus.send(ChainsSubjects.create, { actor: adminActor(), chain: input }),
    );
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['chain.rpc.http', 'chain.rpc.ws']);
  });
});

describe('the audit log', () => {
  const admin = () => ({ ...adminActor(), email: 'ops@int.northstar.test' });
  const audit = (query: Omit<ListChainAuditRequest, 'actor'>, actor: Actor = adminActor()) =>
    client.bus.send(ChainsSubjects.audit, { ...query, actor });

  it('records create, update and delete with the admin, the time, and the chain before and after', async () => {
    const actor = admin();
    const startedAt = Date.now();
    const input = chainInput();
    created.add(input.slug);
    const chain = await client.bus.send(ChainsSubjects.create, { actor, chain: input });
    const rpc = {
      http: `https://evil-${input.slug}.example.com/{key}`,
      ws: `wss://evil-${input.slug}.example.com/{key}`,
    };
    const updated = await client.bus.send(ChainsSubjects.update, {
      slug: input.slug,
      actor,
      patch: { rpc, name: input.name },
    });
    await client.bus.send(ChainsSubjects.delete, { slug: input.slug, actor });

    const { items, nextCursor } = await audit({ chain: input.slug });
    expect(nextCursor).toBeNull();
    const who = { userId: actor.userId, email: actor.email };
    expect(items).toEqual([
      expect.objectContaining({
        change: 'deleted',
        actor: who,
        fields: expect.arrayContaining(['rpc']),
        before: updated,
        after: null,
      }),
      expect.objectContaining({
        change: 'updated',
        actor: who,
        fields: ['rpc'],
        before: chain,
        after: updated,
      }),
      expect.objectContaining({ change: 'created', actor: who, before: null, after: chain }),
    ]);
    expect(updated.rpc).toEqual(rpc);
    for (const item of items) {
      expect(item).toMatchObject({ chain: input.slug, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(Date.parse(item.at)).toBeGreaterThanOrEqual(startedAt - 1000);
    }
    // Unfiltered, the newest entries are these, newest first.
    const all = await audit({ limit: 200 });
    const mine = all.items.filter((item) => item.chain === input.slug).map((item) => item.id);
    expect(mine).toEqual(items.map((item) => item.id));
  });

  it('records a null email when the actor carries none', async () => {
    const { slug } = await create();
    const { items } = await audit({ chain: slug });
    expect(items[0]?.actor.email).toBeNull();
  });

  it('pages newest first with limit and nextCursor, without gaps or repeats', async () => {
    const { slug } = await create();
    for (const name of ['Second', 'Third', 'Fourth']) {
      await client.bus.send(ChainsSubjects.update, { slug, actor: admin(), patch: { name } });
    }
    const whole = (await audit({ chain: slug })).items;
    expect(whole.map((item) => item.after?.name)).toEqual(['Fourth', 'Third', 'Second', expect.any(String)]);

    const paged: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await audit({ chain: slug, limit: 1, ...(cursor ? { cursor } : {}) });
      paged.push(...answer.items.map((item) => item.id));
      if (answer.nextCursor === null) break;
      cursor = answer.nextCursor;
    }
    expect(paged).toEqual(whole.map((item) => item.id));

    const error = await busError(audit({ cursor: 'bm90LWEtY3Vyc29y' }));
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['cursor']);
  });

  it('is for platform admins only, and a refused change leaves no entry', async () => {
    expect((await busError(audit({}, userActor()))).code).toBe(BusErrorCode.Forbidden);
    const { slug } = await create();
    await busError(
      client.bus.send(ChainsSubjects.update, { slug, actor: userActor(), patch: { name: 'Hijacked' } }),
    );
    expect((await audit({ chain: slug })).items.map((item) => item.change)).toEqual(['created']);
  });

  it('writes nothing when the change itself fails in the database', async () => {
    const taken = await create();
    const { slug } = await create();
    // A chain id another chain has: the unique index refuses it at flush, in the same transaction.
    const error = await busError(
      client.bus.send(ChainsSubjects.update, { slug, actor: admin(), patch: { chainId: taken.chainId } }),
    );
    expect(error.code).toBe(BusErrorCode.Conflict);
    expect((await audit({ chain: slug })).items.map((item) => item.change)).toEqual(['created']);
  });

  it('refuses "audit" as a chain slug: the route GET /v1/chains/audit holds it', async () => {
    const error = await busError(
      client.bus.send(ChainsSubjects.create, { actor: adminActor(), chain: chainInput({ slug: 'audit' }) }),
    );
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['chain.slug']);
  });
});

describe('two replicas of the service', () => {
  let replica: RunningService;

  beforeAll(async () => {
    replica = await startTestService(chainsService, {}, { replica: true });
  });

  afterAll(async () => {
    await replica?.close();
  });

  it('share the requests of their queue group', async () => {
    const handled = (ops: RunningService) =>
      readMetric(ops.opsUrl, 'northstar_bus_messages_handled_seconds_count', { subject: ChainsSubjects.get });
    const before = [await handled(service), await handled(replica)];
    await eventually(async () => {
      await get('ethereum');
      const after = [await handled(service), await handled(replica)];
      expect(after[0]).toBeGreaterThan(before[0]);
      expect(after[1]).toBeGreaterThan(before[1]);
    });
  });

  it('see a change made through the other at once', async () => {
    // Calls each replica's handler directly: over the bus, NATS picks the replica.
    const first = service.app.get(ChainHandler);
    const second = replica.app.get(ChainHandler);
    const input = chainInput();
    created.add(input.slug);

    await first.create({ actor: adminActor(), chain: input });
    expect(await second.get({ slug: input.slug })).toMatchObject({ status: 'active' });

    await first.update({ slug: input.slug, actor: adminActor(), patch: { status: 'inactive' } });
    expect(await second.get({ slug: input.slug })).toMatchObject({ status: 'inactive' });
    expect(slugsOf((await second.list({ status: 'active', limit: 200 })).items)).not.toContain(input.slug);

    await second.delete({ slug: input.slug, actor: adminActor() });
    await expect(first.get({ slug: input.slug })).rejects.toMatchObject({ code: BusErrorCode.NotFound });
  });
});
