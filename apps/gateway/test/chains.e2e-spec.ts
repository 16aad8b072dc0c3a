import { chainsService } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { expectProblem, getJson, startTestGateway, startTestService } from './support';

interface Chain {
  slug: string;
  chainId: number | null;
  name: string;
  ecosystem: string;
  testnet: boolean;
  nativeCurrency: { symbol: string; decimals: number };
  explorerUrl: string;
  status: string;
  rpc: { http: string; ws: string };
}

interface ChainPage {
  items: Chain[];
  nextCursor: string | null;
}

/** The networks API.md promises in the seeded catalog, with their public EIP-155 ids. */
const SEEDED: Record<string, { chainId: number; testnet: boolean }> = {
  ethereum: { chainId: 1, testnet: false },
  polygon: { chainId: 137, testnet: false },
  arbitrum: { chainId: 42161, testnet: false },
  optimism: { chainId: 10, testnet: false },
  base: { chainId: 8453, testnet: false },
  bnb: { chainId: 56, testnet: false },
  avalanche: { chainId: 43114, testnet: false },
  sepolia: { chainId: 11155111, testnet: true },
};

const CHAIN_FIELDS = [
  'chainId',
  'ecosystem',
  'explorerUrl',
  'name',
  'nativeCurrency',
  'rpc',
  'slug',
  'status',
  'testnet',
];

describe('chain catalog over HTTP', () => {
  let chains: RunningService;
  let gateway: RunningGateway;

  beforeAll(async () => {
    chains = await startTestService(chainsService);
    gateway = await startTestGateway();
  });

  afterAll(async () => {
    await gateway?.close();
    await chains?.close();
  });

  const list = (query = '') =>
    getJson<ChainPage>(`${gateway.url}/v1/chains${query}`).then(({ body }) => body);

  /** Follows `nextCursor` to the end; the catalog may hold chains made by other tests. */
  async function listAll(query: string, limit: number): Promise<{ pages: ChainPage[]; items: Chain[] }> {
    const pages: ChainPage[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams(query);
      params.set('limit', String(limit));
      if (cursor !== null) params.set('cursor', cursor);
      const page = await list(`?${params.toString()}`);
      pages.push(page);
      cursor = page.nextCursor;
      if (pages.length > 100) throw new Error('pagination does not end');
    } while (cursor !== null);
    return { pages, items: pages.flatMap((page) => page.items) };
  }

  it('lists the seeded networks with the fields of the contract', async () => {
    const { response } = await getJson<ChainPage>(`${gateway.url}/v1/chains`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { items } = await listAll('', 200);

    const bySlug = new Map(items.map((chain) => [chain.slug, chain]));
    for (const [slug, expected] of Object.entries(SEEDED)) {
      expect({ slug, ...bySlug.get(slug) }).toMatchObject({
        slug,
        ...expected,
        ecosystem: 'evm',
        status: 'active',
      });
    }
    for (const chain of items) {
      expect(Object.keys(chain).sort()).toEqual(CHAIN_FIELDS);
      expect(chain).toEqual({
        slug: expect.stringMatching(/^[a-z0-9-]{2,48}$/) as unknown,
        chainId: chain.ecosystem === 'evm' ? (expect.any(Number) as unknown) : chain.chainId,
        name: expect.any(String) as unknown,
        ecosystem: expect.any(String) as unknown,
        testnet: expect.any(Boolean) as unknown,
        nativeCurrency: { symbol: expect.any(String) as unknown, decimals: expect.any(Number) as unknown },
        explorerUrl: expect.stringMatching(/^https?:\/\//) as unknown,
        status: expect.stringMatching(/^(active|inactive)$/) as unknown,
        rpc: {
          http: expect.stringMatching(/^https?:\/\/.*\{key\}/) as unknown,
          ws: expect.stringMatching(/^wss?:\/\/.*\{key\}/) as unknown,
        },
      });
    }
  });

  it('answers at most 50 items without a limit', async () => {
    const body = await list();
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.length).toBeLessThanOrEqual(50);
  });

  it('filters by ecosystem, testnet and status', async () => {
    const { items } = await listAll('ecosystem=evm&testnet=false&status=active', 200);
    const slugs = items.map((chain) => chain.slug);
    expect(slugs).toContain('ethereum');
    expect(slugs).not.toContain('sepolia');
    for (const chain of items)
      expect(chain).toMatchObject({ ecosystem: 'evm', testnet: false, status: 'active' });
  });

  it('lists only testnets with testnet=true', async () => {
    const { items } = await listAll('testnet=true', 200);
    const slugs = items.map((chain) => chain.slug);
    expect(slugs).toContain('sepolia');
    expect(slugs).not.toContain('ethereum');
    for (const chain of items) expect(chain.testnet).toBe(true);
  });

  it('pages with limit and nextCursor, without gaps or repeats', async () => {
    const first = await list('?limit=2');
    expect(first.items).toHaveLength(2);
    expect(typeof first.nextCursor).toBe('string');
    const second = await list(`?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
    expect(second.items.map((chain) => chain.slug)).not.toContain(first.items[0].slug);
    expect(second.items.map((chain) => chain.slug)).not.toContain(first.items[1].slug);

    const { pages, items } = await listAll('', 3);
    const slugs = items.map((chain) => chain.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(slugs).toEqual(expect.arrayContaining(Object.keys(SEEDED)));
    for (const page of pages) expect(page.items.length).toBeLessThanOrEqual(3);
    expect(pages.slice(0, -1).every((page) => page.items.length === 3 && page.nextCursor !== null)).toBe(
      true,
    );
    expect(pages[pages.length - 1].nextCursor).toBeNull();
  });

  it('keeps the filters across pages', async () => {
    const { items } = await listAll('testnet=true', 1);
    expect(items.map((chain) => chain.slug)).toContain('sepolia');
    for (const chain of items) expect(chain.testnet).toBe(true);
  });

  it('answers one chain by slug', async () => {
    const { body } = await getJson<Chain>(`${gateway.url}/v1/chains/ethereum`);
    expect(body).toMatchObject({
      slug: 'ethereum',
      chainId: 1,
      ecosystem: 'evm',
      testnet: false,
      status: 'active',
      nativeCurrency: { symbol: 'ETH', decimals: 18 },
    });
    expect(Object.keys(body).sort()).toEqual(CHAIN_FIELDS);
  });

  it('answers 404 problem+json for an unknown slug', async () => {
    const problem = await expectProblem(await fetch(`${gateway.url}/v1/chains/no-such-chain-e2e`), 404);
    expect(problem.errors).toBeUndefined();
  });

  it('answers 400 for a slug that cannot exist, naming the field', async () => {
    const problem = await expectProblem(await fetch(`${gateway.url}/v1/chains/Not_A_Slug`), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(['slug']);
  });

  it.each([
    ['testnet=maybe', 'testnet'],
    ['limit=500', 'limit'],
    ['limit=0', 'limit'],
    ['limit=ten', 'limit'],
    ['ecosystem=dogechain', 'ecosystem'],
    ['status=retired', 'status'],
    ['cursor=%21%21not-a-cursor', 'cursor'],
    ['colour=blue', 'colour'],
  ])('answers 400 problem+json for ?%s, naming the field', async (query, field) => {
    const problem = await expectProblem(await fetch(`${gateway.url}/v1/chains?${query}`), 400);
    // One entry per failed rule, all about the one field.
    expect(problem.errors?.length).toBeGreaterThan(0);
    for (const error of problem.errors ?? [])
      expect(error).toEqual({ field, message: expect.any(String) as unknown });
  });

  it('names every invalid field at once', async () => {
    const problem = await expectProblem(
      await fetch(`${gateway.url}/v1/chains?testnet=maybe&limit=500&colour=blue`),
      400,
    );
    expect(new Set(problem.errors?.map((error) => error.field))).toEqual(
      new Set(['testnet', 'limit', 'colour']),
    );
  });
});
