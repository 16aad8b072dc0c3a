import { chainsService, identityService, keysService, tenancyService } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  eventually,
  expectProblem,
  migrateService,
  type Problem,
  startTestGateway,
  startTestService,
} from './support';
import { call, createOrg, newUser, type TestOrg } from './tenancy-support';
import { signUpPlatformAdmin, type SignedUpUser } from './users';

// Keys bound to where they may be used: origins (and the CORS answers that follow from them), client
// addresses and chains, through two gateway replicas that believe X-Forwarded-For from loopback, as
// behind a load balancer, so that a test chooses the client address it comes from.

interface ApiKey {
  id: string;
  allowedOrigins: string[];
  allowedIps: string[];
  allowedChains: string[];
}
type CreatedKey = ApiKey & { key: string };

const ADMIN_EMAIL = `key-rules-admin-${randomUUID()}@e2e.northstar.test`;
const services: RunningService[] = [];
const createdChains = new Set<string>();
let platformAdmin: SignedUpUser;
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
let url: string;
let owner: SignedUpUser;
let org: TestOrg;
let projectId: string;

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(chainsService);
  services.push(await startTestService(identityService, { NORTHSTAR_ADMIN_EMAILS: ADMIN_EMAIL }));
  services.push(await startTestService(tenancyService));
  services.push(await startTestService(keysService));
  services.push(await startTestService(chainsService));
  gatewayA = await startTestGateway({ TRUST_PROXY: '127.0.0.1' });
  gatewayB = await startTestGateway({ TRUST_PROXY: '127.0.0.1' });
  url = gatewayA.url;
  owner = await newUser(url, 'Key Rules Owner');
  org = await createOrg(url, owner, 'Key Rules E2E');
  const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: `Key rules ${randomBytes(3).toString('hex')}`,
    kind: 'web3',
  });
  if (project.status !== 201) throw new Error(`project: ${project.status} ${JSON.stringify(project.body)}`);
  projectId = project.body.id;
  platformAdmin = await signUpPlatformAdmin(url, ADMIN_EMAIL);
});

afterAll(async () => {
  for (const slug of createdChains) {
    await call(url, 'DELETE', `/chains/${slug}`, platformAdmin).catch(() => undefined);
  }
  await gatewayB?.close();
  await gatewayA?.close();
  for (const service of services.reverse()) await service.close();
});

async function issue(body: Record<string, unknown>): Promise<CreatedKey> {
  const answer = await call<CreatedKey>(url, 'POST', `/projects/${projectId}/keys`, owner, {
    name: 'Bound',
    scopes: ['events:write', 'analytics:read', 'rpc'],
    ...body,
  });
  if (answer.status !== 201) throw new Error(`key: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** GET /v1/keys/self with the key, from `from` (X-Forwarded-For) and `origin` when given. */
function useKey(
  key: string,
  { from, origin, gateway = gatewayA }: { from?: string; origin?: string; gateway?: RunningGateway } = {},
): Promise<Response> {
  return fetch(`${gateway.url}/v1/keys/self`, {
    headers: {
      authorization: `Bearer ${key}`,
      ...(from ? { 'x-forwarded-for': from } : {}),
      ...(origin ? { origin } : {}),
    },
  });
}

async function statusOf(response: Promise<Response>): Promise<number> {
  const answer = await response;
  await answer.arrayBuffer();
  return answer.status;
}

async function refused(response: Promise<Response>, type: string): Promise<Problem> {
  const problem = await expectProblem(await response, 403);
  expect(problem.type).toBe(`https://northstar.dev/problems/${type}`);
  return problem;
}

const track = (overrides: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Swap',
  userId: 'user-1',
  messageId: randomUUID(),
  ...overrides,
});

/** An ingestion request as a browser SDK sends it: the key as writeKey, JSON as text/plain. */
function ingest(path: string, key: string, body: object, origin?: string): Promise<Response> {
  return fetch(`${url}/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ ...body, writeKey: key }),
  });
}

describe('allowedIps', () => {
  it('lets the key in from its addresses and ranges only (IPv4 and IPv6), refusing others with 403', async () => {
    const created = await issue({ allowedIps: ['203.0.113.7', '198.51.100.0/24', '2001:db8::/32'] });
    expect(created.allowedIps).toEqual(['203.0.113.7', '198.51.100.0/24', '2001:db8::/32']);

    for (const from of ['203.0.113.7', '198.51.100.1', '198.51.100.254', '2001:db8::1', '2001:db8:ab::9']) {
      expect({ from, status: await statusOf(useKey(created.key, { from })) }).toEqual({ from, status: 200 });
    }
    for (const from of ['203.0.113.8', '198.51.101.1', '2001:db9::1']) {
      const problem = await refused(useKey(created.key, { from }), 'key-ip-not-allowed');
      expect(problem.detail).toContain(from);
    }
    // Without X-Forwarded-For the client is the loopback proxy itself: not in the list.
    await refused(useKey(created.key), 'key-ip-not-allowed');
  });

  it('stops refusing on every gateway within 2 seconds once a PATCH clears the list', async () => {
    const created = await issue({ allowedIps: ['203.0.113.7'] });
    for (const gateway of [gatewayA, gatewayB]) {
      await refused(useKey(created.key, { from: '192.0.2.1', gateway }), 'key-ip-not-allowed');
    }
    const patched = await call<ApiKey>(url, 'PATCH', `/keys/${created.id}`, owner, { allowedIps: null });
    expect(patched.status).toBe(200);
    expect(patched.body.allowedIps).toEqual([]);
    await eventually(
      async () => {
        expect(await statusOf(useKey(created.key, { from: '192.0.2.1', gateway: gatewayA }))).toBe(200);
        expect(await statusOf(useKey(created.key, { from: '192.0.2.1', gateway: gatewayB }))).toBe(200);
      },
      { timeoutMs: 2000, intervalMs: 50 },
    );
  });

  it('applies a list set by PATCH on a key already in use', async () => {
    const created = await issue({});
    expect(await statusOf(useKey(created.key, { from: '192.0.2.1', gateway: gatewayB }))).toBe(200);
    await call(url, 'PATCH', `/keys/${created.id}`, owner, { allowedIps: ['203.0.113.0/24'] });
    await eventually(
      async () => {
        expect(await statusOf(useKey(created.key, { from: '192.0.2.1', gateway: gatewayB }))).toBe(403);
      },
      { timeoutMs: 2000, intervalMs: 50 },
    );
    expect(await statusOf(useKey(created.key, { from: '203.0.113.99', gateway: gatewayB }))).toBe(200);
  });
});

describe('allowedOrigins', () => {
  it('matches exact origins and subdomains of a wildcard, not its apex or a lookalike', async () => {
    const created = await issue({ allowedOrigins: ['https://App.Example.com:443', 'https://*.example.org'] });
    // Stored as browsers send origins: lower case, without the default port.
    expect(created.allowedOrigins).toEqual(['https://app.example.com', 'https://*.example.org']);

    for (const origin of ['https://app.example.com', 'https://shop.example.org', 'https://a.b.example.org']) {
      expect({ origin, status: await statusOf(useKey(created.key, { origin })) }).toEqual({
        origin,
        status: 200,
      });
    }
    for (const origin of [
      'https://example.org',
      'https://evil-example.org',
      'https://example.org.evil.com',
      'http://shop.example.org',
      'https://other.example.com',
    ]) {
      const problem = await refused(useKey(created.key, { origin }), 'key-origin-not-allowed');
      expect(problem.detail).toContain(origin);
    }
  });

  it('refuses a request without Origin: a key bound to origins is a browser key', async () => {
    const created = await issue({ allowedOrigins: ['https://app.example.com'] });
    const problem = await refused(useKey(created.key), 'key-origin-not-allowed');
    expect(problem.detail).toMatch(/no Origin header/);
  });

  it('narrows the open CORS of ingestion to the allowed origin, and refuses the others with 403', async () => {
    const open = await issue({});
    const bound = await issue({ allowedOrigins: ['https://app.example.com'] });

    // A key without origins: ingestion stays open to any origin.
    const anyOrigin = await ingest('track', open.key, track(), 'https://anywhere.example.net');
    expect(anyOrigin.status).toBe(202);
    expect(anyOrigin.headers.get('access-control-allow-origin')).toBe('*');

    const allowed = await ingest('track', bound.key, track(), 'https://app.example.com');
    expect(allowed.status).toBe(202);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('vary')).toMatch(/\bOrigin\b/);

    const other = await ingest('batch', bound.key, { batch: [track()] }, 'https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const problem = await expectProblem(other, 403);
    expect(problem.type).toBe('https://northstar.dev/problems/key-origin-not-allowed');

    // Preflights carry no key: they stay open, and the POST that follows is what the key decides.
    const preflight = await fetch(`${url}/v1/batch`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example.net',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('allowedChains', () => {
  it("lists only the key's chains among its RPC endpoints", async () => {
    const created = await issue({ allowedChains: ['ethereum', 'polygon'] });
    expect(created.allowedChains).toEqual(['ethereum', 'polygon']);
    const endpoints = await call<{ chain: string }[]>(url, 'GET', `/keys/${created.id}/endpoints`, owner);
    expect(endpoints.body.map((endpoint) => endpoint.chain).sort()).toEqual(['ethereum', 'polygon']);
  });

  it('refuses a single event on another chain with 403, and rejects such events of a batch by index', async () => {
    const created = await issue({ allowedChains: ['ethereum'] });
    expect(await statusOf(ingest('track', created.key, track({ web3: { chainId: 1 } })))).toBe(202);
    // An event that names no chain is not about one.
    expect(await statusOf(ingest('track', created.key, track()))).toBe(202);
    const single = await ingest('events', created.key, track({ web3: { chainId: 137 } }));
    const problem = await expectProblem(single, 403);
    expect(problem.type).toBe('https://northstar.dev/problems/key-chain-not-allowed');

    const batch = await ingest('batch', created.key, {
      batch: [
        track({ web3: { chainId: 1 } }),
        track({ event: undefined }),
        track({ web3: { chainId: 137 } }),
        track(),
      ],
    });
    expect(batch.status).toBe(202);
    const answer = (await batch.json()) as {
      accepted: number;
      rejected: { index: number; errors: { field: string; message: string }[] }[];
    };
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((entry) => entry.index)).toEqual([1, 2]);
    expect(answer.rejected[1].errors).toEqual([
      { field: 'web3.chainId', message: expect.stringMatching(/137/) },
    ]);
  });

  it('lets events of any chain in once a PATCH clears the list', async () => {
    const created = await issue({ allowedChains: ['ethereum'] });
    expect(await statusOf(ingest('track', created.key, track({ web3: { chainId: 137 } })))).toBe(403);
    await call(url, 'PATCH', `/keys/${created.id}`, owner, { allowedChains: [] });
    await eventually(
      async () =>
        expect(await statusOf(ingest('track', created.key, track({ web3: { chainId: 137 } })))).toBe(202),
      { timeoutMs: 2000, intervalMs: 50 },
    );
  });
});

describe('allowedChains and changes of the catalog', () => {
  it("follows a change of a chain's id in the catalog", async () => {
    const slug = `e2e-rules-${randomBytes(5).toString('hex')}`;
    const [before, after] = [
      randomInt(1_000_000_000, 1_500_000_000),
      randomInt(1_500_000_000, 2_000_000_000),
    ];
    createdChains.add(slug);
    const chain = await call(url, 'POST', '/chains', platformAdmin, {
      slug,
      chainId: before,
      name: `Rules chain ${slug}`,
      ecosystem: 'evm',
      testnet: true,
      nativeCurrency: { symbol: 'RUL', decimals: 18 },
      explorerUrl: `https://${slug}.explorer.example.com`,
      rpc: { http: `https://${slug}.rpc.example.com/{key}`, ws: `wss://${slug}.rpc.example.com/{key}` },
    });
    expect(chain.status).toBe(201);
    const created = await issue({ allowedChains: [slug] });
    expect(await statusOf(ingest('track', created.key, track({ web3: { chainId: before } })))).toBe(202);
    expect(await statusOf(ingest('track', created.key, track({ web3: { chainId: after } })))).toBe(403);

    expect((await call(url, 'PATCH', `/chains/${slug}`, platformAdmin, { chainId: after })).status).toBe(200);
    await eventually(
      async () => {
        expect(await statusOf(ingest('track', created.key, track({ web3: { chainId: after } })))).toBe(202);
        expect(await statusOf(ingest('track', created.key, track({ web3: { chainId: before } })))).toBe(403);
      },
      { timeoutMs: 3000, intervalMs: 100 },
    );
  });
});

describe('validation', () => {
  it('answers 400 naming each list with a bad entry', async () => {
    const answer = await call(url, 'POST', `/projects/${projectId}/keys`, owner, {
      name: 'Bad',
      scopes: ['rpc'],
      allowedOrigins: ['https://example.com/path'],
      allowedIps: ['10.0.0.0/33'],
      allowedChains: ['Not A Slug'],
    });
    const problem = await expectProblem(answer.response, 400);
    expect(new Set(problem.errors?.map((error) => error.field))).toEqual(
      new Set(['allowedOrigins', 'allowedIps', 'allowedChains']),
    );
    const tooMany = await call(url, 'POST', `/projects/${projectId}/keys`, owner, {
      name: 'Many',
      scopes: ['rpc'],
      allowedIps: Array.from({ length: 51 }, (_, index) => `10.0.0.${index}`),
    });
    expect((await expectProblem(tooMany.response, 400)).errors?.map((error) => error.field)).toEqual([
      'allowedIps',
    ]);
  });

  it('answers 400 naming allowedChains for a slug the catalog does not have, on create and PATCH', async () => {
    const answer = await call(url, 'POST', `/projects/${projectId}/keys`, owner, {
      name: 'Unknown chain',
      scopes: ['rpc'],
      allowedChains: ['ethereum', 'no-such-chain-e2e'],
    });
    const problem = await expectProblem(answer.response, 400);
    expect(problem.errors).toEqual([
      { field: 'allowedChains', message: expect.stringContaining('no-such-chain-e2e') },
    ]);

    const created = await issue({ allowedChains: ['ethereum'] });
    const patch = await call(url, 'PATCH', `/keys/${created.id}`, owner, {
      allowedChains: ['no-such-chain-e2e'],
    });
    expect((await expectProblem(patch.response, 400)).errors?.[0].field).toBe('allowedChains');
    const got = await call<ApiKey>(url, 'GET', `/keys/${created.id}`, owner);
    expect(got.body.allowedChains).toEqual(['ethereum']);
  });

  it('shows the lists in the list and the key, [] for none', async () => {
    const created = await issue({ allowedOrigins: ['https://app.example.com'] });
    const listed = await call<{ items: ApiKey[] }>(url, 'GET', `/projects/${projectId}/keys`, owner);
    expect(listed.body.items.find((key) => key.id === created.id)).toMatchObject({
      allowedOrigins: ['https://app.example.com'],
      allowedIps: [],
      allowedChains: [],
    });
  });
});

describe('the API description', () => {
  it('documents the lists on keys and the 403 of key-authenticated routes', async () => {
    const document = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { description?: string }> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    for (const schema of ['CreateKeyBody', 'UpdateKeyBody', 'ApiKeyDto']) {
      expect(Object.keys(document.components.schemas[schema].properties ?? {})).toEqual(
        expect.arrayContaining(['allowedOrigins', 'allowedIps', 'allowedChains']),
      );
    }
    expect(document.paths['/v1/keys/self']['get'].responses['403']?.description).toMatch(
      /key-origin-not-allowed/,
    );
    expect(document.paths['/v1/batch']['post'].responses['403']?.description).toMatch(
      /key-chain-not-allowed/,
    );
  });
});
