import { chainsService, identityService, keysService, tenancyService } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  eventually,
  expectProblem,
  migrateService,
  startTestGateway,
  startTestService,
  UUID_PATTERN,
} from './support';
import { call, createOrg, joinAs, newUser, type TestOrg } from './tenancy-support';
import { signUpPlatformAdmin, type SignedUpUser } from './users';

// Keys end to end: identity, tenancy, keys and chains behind two gateway replicas, as in production
// where a revocation must reach every replica.

interface ApiKey {
  id: string;
  projectId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  rateLimit: { limit: number; windowSeconds: number } | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  allowedOrigins: string[];
  allowedIps: string[];
  allowedChains: string[];
}
type CreatedKey = ApiKey & { key: string };
type RotatedKey = CreatedKey & { previousKeyExpiresAt: string };
interface Endpoint {
  chain: string;
  chainId: number | null;
  http: string;
  ws: string;
}

const ADMIN_EMAIL = `keys-admin-${randomUUID()}@e2e.northstar.test`;
const services: RunningService[] = [];
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
let url: string;
let org: TestOrg;
let owner: SignedUpUser;
let viewer: SignedUpUser;
let outsider: SignedUpUser;
let platformAdmin: SignedUpUser;
const createdChains = new Set<string>();

// Everything the processes write while the suite runs, to show no key ever reaches a log.
const written: string[] = [];
const issuedKeys: string[] = [];
let restoreOutput: () => void = () => undefined;

function captureOutput(): void {
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
  restoreOutput = () => {
    stdout.mockRestore();
    stderr.mockRestore();
  };
}

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(chainsService);
  captureOutput();
  // Debug logs on: whatever the services say about keys is in `written`.
  const verbose = { LOG_LEVEL: 'debug' };
  services.push(await startTestService(identityService, { NORTHSTAR_ADMIN_EMAILS: ADMIN_EMAIL }));
  services.push(await startTestService(tenancyService, verbose));
  services.push(await startTestService(keysService, verbose));
  services.push(await startTestService(chainsService));
  gatewayA = await startTestGateway({ TRUST_PROXY: 'true', ...verbose });
  gatewayB = await startTestGateway({ TRUST_PROXY: 'true', ...verbose });
  url = gatewayA.url;

  owner = await newUser(url, 'Key Owner');
  org = await createOrg(url, owner, 'Keys E2E');
  viewer = await joinAs(url, org.id, owner, 'viewer');
  outsider = await newUser(url, 'Key Outsider');
  await createOrg(url, outsider, 'Elsewhere');
  platformAdmin = await signUpPlatformAdmin(url, ADMIN_EMAIL);
});

afterAll(async () => {
  for (const slug of createdChains) {
    await call(url, 'DELETE', `/chains/${slug}`, platformAdmin).catch(() => undefined);
  }
  await gatewayB?.close();
  await gatewayA?.close();
  for (const service of services.reverse()) await service.close();
  restoreOutput();
});

async function newProject(): Promise<string> {
  const answer = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: `Keys ${randomBytes(3).toString('hex')}`,
    kind: 'web3',
  });
  if (answer.status !== 201) throw new Error(`project: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

async function issue(projectId: string, body: Record<string, unknown> = {}): Promise<CreatedKey> {
  const answer = await call<CreatedKey>(url, 'POST', `/projects/${projectId}/keys`, owner, {
    name: 'Server',
    scopes: ['events:write'],
    ...body,
  });
  if (answer.status !== 201) throw new Error(`key: ${answer.status} ${JSON.stringify(answer.body)}`);
  issuedKeys.push(answer.body.key);
  return answer.body;
}

/** GET /v1/keys/self on one gateway with the key. */
function useKey(gateway: RunningGateway, key: string, headers?: Record<string, string>): Promise<Response> {
  return fetch(`${gateway.url}/v1/keys/self`, {
    headers: headers ?? { authorization: `Bearer ${key}` },
  });
}

async function statusOn(gateway: RunningGateway, key: string): Promise<number> {
  const response = await useKey(gateway, key);
  await response.arrayBuffer();
  return response.status;
}

async function detailOn(gateway: RunningGateway, key: string, status: number): Promise<string> {
  return (await expectProblem(await useKey(gateway, key), status)).detail;
}

describe('issuing and reading keys', () => {
  it('answers the key once at creation; lists and reads never show it again', async () => {
    const projectId = await newProject();
    const response = await fetch(`${url}/v1/projects/${projectId}/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.accessToken}` },
      body: JSON.stringify({ name: 'Checkout', scopes: ['events:write', 'rpc'] }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const created = (await response.json()) as CreatedKey;
    issuedKeys.push(created.key);
    expect(created).toEqual({
      id: expect.stringMatching(UUID_PATTERN),
      projectId,
      name: 'Checkout',
      prefix: created.key.slice(0, 12),
      scopes: ['events:write', 'rpc'],
      key: expect.stringMatching(/^nsk_(live|test)_[0-9A-Za-z]{32}$/),
      createdAt: expect.any(String),
      expiresAt: null,
      rateLimit: null,
      lastUsedAt: null,
      revokedAt: null,
      allowedOrigins: [],
      allowedIps: [],
      allowedChains: [],
      credits: null,
    });

    const listed = await call<{ items: ApiKey[]; nextCursor: string | null }>(
      url,
      'GET',
      `/projects/${projectId}/keys`,
      viewer,
    );
    const got = await call<ApiKey>(url, 'GET', `/keys/${created.id}`, viewer);
    const { key, ...shown } = created;
    expect(listed.body).toEqual({ items: [shown], nextCursor: null });
    expect(got.body).toEqual(shown);
    expect(JSON.stringify([listed.body, got.body])).not.toContain(key.slice(12));
  });

  it('authenticates with the key as Bearer token, X-Api-Key or Basic user name, on any gateway', async () => {
    const projectId = await newProject();
    const { id, key } = await issue(projectId, { scopes: ['analytics:read'] });
    const forms: Record<string, string>[] = [
      { authorization: `Bearer ${key}` },
      { 'x-api-key': key },
      { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    ];
    for (const gateway of [gatewayA, gatewayB]) {
      for (const headers of forms) {
        const response = await useKey(gateway, key, headers);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          keyId: id,
          projectId,
          scopes: ['analytics:read'],
          rateLimit: null,
        });
      }
    }
    await expectProblem(await fetch(`${url}/v1/keys/self`), 401);
    // Its last character changed (to another one: a key may well end in `x`).
    const altered = `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
    await expectProblem(await useKey(gatewayA, altered), 401);
    // A user's token is not a key.
    await expectProblem(await useKey(gatewayA, owner.accessToken), 401);
  });

  it('refuses invalid input with the fields at fault', async () => {
    const projectId = await newProject();
    const answer = await call(url, 'POST', `/projects/${projectId}/keys`, owner, {
      name: '',
      scopes: ['everything'],
      expiresAt: 'tomorrow',
      rateLimit: { limit: 5 },
    });
    const problem = await expectProblem(answer.response, 400);
    expect(new Set(problem.errors?.map((error) => error.field))).toEqual(
      new Set(['name', 'scopes', 'expiresAt', 'rateLimit.windowSeconds']),
    );
    const past = await call(url, 'POST', `/projects/${projectId}/keys`, owner, {
      name: 'Old',
      scopes: ['rpc'],
      expiresAt: '2020-01-01T00:00:00Z',
    });
    expect((await expectProblem(past.response, 400)).errors).toEqual([
      { field: 'expiresAt', message: 'expiresAt must be in the future' },
    ]);
  });
});

describe('who may see and manage keys', () => {
  it('lets a viewer read the keys but not issue, change, rotate or revoke them', async () => {
    const projectId = await newProject();
    const created = await issue(projectId);
    expect((await call(url, 'GET', `/projects/${projectId}/keys`, viewer)).status).toBe(200);
    expect((await call(url, 'GET', `/keys/${created.id}`, viewer)).status).toBe(200);

    const attempts = [
      await call(url, 'POST', `/projects/${projectId}/keys`, viewer, { name: 'Mine', scopes: ['rpc'] }),
      await call(url, 'PATCH', `/keys/${created.id}`, viewer, { name: 'Mine' }),
      await call(url, 'POST', `/keys/${created.id}/rotate`, viewer, {}),
      await call(url, 'DELETE', `/keys/${created.id}`, viewer),
    ];
    for (const attempt of attempts) await expectProblem(attempt.response, 403);
    expect(await statusOn(gatewayA, created.key)).toBe(200);
  });

  it("hides another organisation's keys: 404 for every route, as for a key that does not exist", async () => {
    const projectId = await newProject();
    const created = await issue(projectId, { scopes: ['rpc'] });
    const attempts = [
      await call(url, 'GET', `/projects/${projectId}/keys`, outsider),
      await call(url, 'POST', `/projects/${projectId}/keys`, outsider, { name: 'x', scopes: ['rpc'] }),
      await call(url, 'GET', `/keys/${created.id}`, outsider),
      await call(url, 'PATCH', `/keys/${created.id}`, outsider, { name: 'x' }),
      await call(url, 'POST', `/keys/${created.id}/rotate`, outsider, {}),
      await call(url, 'DELETE', `/keys/${created.id}`, outsider),
      await call(url, 'GET', `/keys/${created.id}/endpoints`, outsider),
    ];
    for (const attempt of attempts) await expectProblem(attempt.response, 404);
    const unknown = await call(url, 'GET', `/keys/${randomUUID()}`, owner);
    expect((await expectProblem(unknown.response, 404)).detail).toBe(
      (await expectProblem((await call(url, 'GET', `/keys/${created.id}`, outsider)).response, 404)).detail,
    );
    expect(await statusOn(gatewayA, created.key)).toBe(200);
  });

  it('requires a signed-in user for the management routes', async () => {
    const projectId = await newProject();
    const created = await issue(projectId);
    await expectProblem(await fetch(`${url}/v1/keys/${created.id}`), 401);
    // A key does not manage keys, not even its own.
    await expectProblem(await useKeyOn(`/keys/${created.id}`, created.key), 401);
  });
});

function useKeyOn(path: string, key: string): Promise<Response> {
  return fetch(`${url}/v1${path}`, { headers: { authorization: `Bearer ${key}` } });
}

describe('revocation, expiry and rotation on every gateway', () => {
  it('stops a revoked key on two gateways within 2 seconds', async () => {
    const projectId = await newProject();
    const created = await issue(projectId);
    // Both replicas hold the key in memory.
    expect([await statusOn(gatewayA, created.key), await statusOn(gatewayB, created.key)]).toEqual([
      200, 200,
    ]);

    const revoked = await call(url, 'DELETE', `/keys/${created.id}`, owner);
    expect(revoked.status).toBe(204);

    await eventually(
      async () => {
        expect(await detailOn(gatewayA, created.key, 401)).toBe('The API key has been revoked');
        expect(await detailOn(gatewayB, created.key, 401)).toBe('The API key has been revoked');
      },
      { timeoutMs: 2000, intervalMs: 50 },
    );
    const got = await call<ApiKey>(url, 'GET', `/keys/${created.id}`, owner);
    expect(got.body.revokedAt).toEqual(expect.any(String));
    expect((await call(url, 'DELETE', `/keys/${created.id}`, owner)).status).toBe(204);
  });

  it('stops a key when it expires', async () => {
    const projectId = await newProject();
    const created = await issue(projectId, { expiresAt: new Date(Date.now() + 4000).toISOString() });
    expect(await statusOn(gatewayA, created.key)).toBe(200);
    await eventually(
      async () => expect(await detailOn(gatewayA, created.key, 401)).toBe('The API key has expired'),
      {
        timeoutMs: 8000,
        intervalMs: 200,
      },
    );
  });

  it('keeps the previous key working during the grace period of a rotation, and not after', async () => {
    const projectId = await newProject();
    const created = await issue(projectId);
    expect(await statusOn(gatewayB, created.key)).toBe(200);

    const answer = await call<RotatedKey>(url, 'POST', `/keys/${created.id}/rotate`, owner, {
      gracePeriodSeconds: 3,
    });
    expect(answer.status).toBe(201);
    expect(answer.response.headers.get('cache-control')).toBe('no-store');
    const rotated = answer.body;
    issuedKeys.push(rotated.key);
    expect(rotated).toMatchObject({ id: created.id, prefix: rotated.key.slice(0, 12) });
    expect(rotated.key).not.toBe(created.key);

    for (const gateway of [gatewayA, gatewayB]) {
      expect(await statusOn(gateway, created.key)).toBe(200);
      expect(await statusOn(gateway, rotated.key)).toBe(200);
    }
    await eventually(
      async () => {
        expect(await detailOn(gatewayA, created.key, 401)).toBe('The API key has expired');
        expect(await detailOn(gatewayB, created.key, 401)).toBe('The API key has expired');
      },
      { timeoutMs: 8000, intervalMs: 200 },
    );
    expect(await statusOn(gatewayA, rotated.key)).toBe(200);
    expect(await statusOn(gatewayB, rotated.key)).toBe(200);
  });

  it('stops the previous key on every gateway at once when rotated without a grace period', async () => {
    const projectId = await newProject();
    const created = await issue(projectId);
    expect([await statusOn(gatewayA, created.key), await statusOn(gatewayB, created.key)]).toEqual([
      200, 200,
    ]);
    const rotated = (await call<RotatedKey>(url, 'POST', `/keys/${created.id}/rotate`, owner)).body;
    issuedKeys.push(rotated.key);
    await eventually(
      async () => {
        expect(await statusOn(gatewayA, created.key)).toBe(401);
        expect(await statusOn(gatewayB, created.key)).toBe(401);
      },
      { timeoutMs: 2000, intervalMs: 50 },
    );
    expect(await statusOn(gatewayB, rotated.key)).toBe(200);
  });

  it("revokes a project's keys when the project is deleted", async () => {
    const projectId = await newProject();
    const created = await issue(projectId);
    expect(await statusOn(gatewayA, created.key)).toBe(200);
    const deleted = await call(url, 'DELETE', `/projects/${projectId}`, owner);
    expect(deleted.status).toBe(204);
    await eventually(
      async () => {
        expect(await statusOn(gatewayA, created.key)).toBe(401);
        expect(await statusOn(gatewayB, created.key)).toBe(401);
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
  });
});

describe('rate limits and usage', () => {
  it('answers the 6th request within a minute under a limit of 5 with 429, whichever gateway it reaches', async () => {
    const projectId = await newProject();
    const created = await issue(projectId, { rateLimit: { limit: 5, windowSeconds: 60 } });
    const remaining: (string | null)[] = [];
    for (const gateway of [gatewayA, gatewayB, gatewayA, gatewayB, gatewayA]) {
      const response = await useKey(gateway, created.key);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('5');
      remaining.push(response.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const sixth = await useKey(gatewayB, created.key);
    const problem = await expectProblem(sixth, 429);
    expect(problem.detail).toMatch(/rate limit/);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(sixth.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(sixth.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
  });

  it('applies a changed limit on every gateway, and records when the key was last used', async () => {
    const projectId = await newProject();
    const created = await issue(projectId);
    expect(await statusOn(gatewayA, created.key)).toBe(200);
    expect(await statusOn(gatewayB, created.key)).toBe(200);
    const patched = await call<ApiKey>(url, 'PATCH', `/keys/${created.id}`, owner, {
      rateLimit: { limit: 1, windowSeconds: 60 },
      name: 'Limited',
    });
    expect(patched.body).toMatchObject({ name: 'Limited', rateLimit: { limit: 1, windowSeconds: 60 } });
    await eventually(
      async () => {
        const response = await useKey(gatewayB, created.key);
        await response.arrayBuffer();
        expect(response.headers.get('ratelimit-limit')).toBe('1');
      },
      { timeoutMs: 2000, intervalMs: 50 },
    );

    // Usage reaches the keys service in batches, a few seconds later.
    await eventually(
      async () => {
        const got = await call<ApiKey>(url, 'GET', `/keys/${created.id}`, owner);
        expect(got.body.lastUsedAt).toEqual(expect.any(String));
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
  });
});

describe('RPC endpoints', () => {
  async function activeChains(): Promise<string[]> {
    const slugs: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await call<{ items: { slug: string }[]; nextCursor: string | null }>(
        url,
        'GET',
        `/chains?status=active&limit=200${query}`,
        null,
      );
      slugs.push(...page.body.items.map((chain) => chain.slug));
      cursor = page.body.nextCursor;
    } while (cursor);
    return slugs;
  }

  it('lists every active chain with its URL templates, and drops a chain once it is deactivated', async () => {
    const projectId = await newProject();
    const created = await issue(projectId, { scopes: ['rpc'] });
    const slug = `e2e-keys-${randomBytes(5).toString('hex')}`;
    createdChains.add(slug);
    const chain = await call(url, 'POST', '/chains', platformAdmin, {
      slug,
      chainId: randomInt(1_000_000_000, 2_000_000_000),
      name: `Keys chain ${slug}`,
      ecosystem: 'evm',
      testnet: true,
      nativeCurrency: { symbol: 'KEY', decimals: 18 },
      explorerUrl: `https://${slug}.explorer.example.com`,
      rpc: { http: `https://${slug}.rpc.example.com/{key}`, ws: `wss://${slug}.rpc.example.com/{key}` },
    });
    expect(chain.status).toBe(201);

    const endpoints = await call<Endpoint[]>(url, 'GET', `/keys/${created.id}/endpoints`, viewer);
    expect(endpoints.status).toBe(200);
    expect(endpoints.body.map((endpoint) => endpoint.chain).sort()).toEqual((await activeChains()).sort());
    expect(endpoints.body).toContainEqual({
      chain: slug,
      chainId: expect.any(Number),
      http: `https://${slug}.rpc.example.com/{key}`,
      ws: `wss://${slug}.rpc.example.com/{key}`,
    });
    expect(endpoints.body.find((endpoint) => endpoint.chain === 'ethereum')).toMatchObject({ chainId: 1 });

    expect((await call(url, 'PATCH', `/chains/${slug}`, platformAdmin, { status: 'inactive' })).status).toBe(
      200,
    );
    const after = await call<Endpoint[]>(url, 'GET', `/keys/${created.id}/endpoints`, viewer);
    expect(after.body.map((endpoint) => endpoint.chain)).not.toContain(slug);
    expect(after.body).toHaveLength(endpoints.body.length - 1);
  });

  it('answers 422 for a key without the rpc scope', async () => {
    const projectId = await newProject();
    const created = await issue(projectId, { scopes: ['events:write'] });
    const answer = await call(url, 'GET', `/keys/${created.id}/endpoints`, owner);
    expect((await expectProblem(answer.response, 422)).detail).toMatch(/rpc scope/);
  });
});

describe('the API description', () => {
  it('documents every key route, and the key only in the creation and rotation answers', async () => {
    const document = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; allOf?: unknown[] }> };
    };
    expect(Object.keys(document.paths['/v1/projects/{projectId}/keys']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/v1/keys/{keyId}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(document.paths['/v1/keys/{keyId}/rotate']['post'].responses).toHaveProperty('201');
    expect(document.paths['/v1/keys/{keyId}/endpoints']['get'].responses).toHaveProperty('200');
    expect(document.paths['/v1/keys/self']['get'].responses).toHaveProperty('429');
    expect(JSON.stringify(document.components.schemas['ApiKeyDto'])).not.toContain('"key"');
    expect(JSON.stringify(document.components.schemas['CreatedApiKeyDto'])).toContain('"key"');
  });
});

describe('logs', () => {
  it('never contain a key', () => {
    expect(issuedKeys.length).toBeGreaterThan(5);
    expect(written.length).toBeGreaterThan(0);
    const output = written.join('');
    for (const key of issuedKeys) expect(output).not.toContain(key.slice(12));
  });
});
