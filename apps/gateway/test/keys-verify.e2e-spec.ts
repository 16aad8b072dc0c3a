import {
  analyticsService,
  chainsService,
  identityService,
  ingestionService,
  keysService,
  tenancyService,
} from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { creditPeriodOf, nextRefillAt } from '@northstar/contracts';
import { randomBytes } from 'node:crypto';
import { CreditClock } from '../src/api-keys/credit-ledger';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  e2eClickhouseEnv,
  eventually,
  expectProblem,
  migrateService,
  startTestGateway,
  startTestService,
} from './support';
import { call, createOrg, newUser, type TestOrg } from './tenancy-support';
import type { SignedUpUser } from './users';

// POST /v1/keys/verify end to end: an RPC proxy's service token, every answer code, credits spent
// exactly by parallel verifications through two gateway replicas sharing Redis, their refill at a
// period boundary (the gateways' credit clock moved forward), a PATCH of credits taking effect at
// once, and the verifications counted in the key's usage.

const TOKEN = `verify-e2e-${randomBytes(16).toString('hex')}`;
const OTHER_TOKEN = `verify-e2e-other-${randomBytes(16).toString('hex')}`;

interface Verdict {
  valid: boolean;
  code: string;
  keyId?: string;
  projectId?: string;
  orgId?: string;
  scopes?: string[];
  credits?: { remaining: number };
  rateLimit?: { limit: number; remaining: number; reset: number };
}
interface CreatedKey {
  id: string;
  key: string;
  credits: { remaining: number; refill: { interval: string; amount: number } | null } | null;
}

const services: RunningService[] = [];
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
let owner: SignedUpUser;
let org: TestOrg;
let projectId: string;

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(chainsService);
  await migrateService(ingestionService);
  await migrateService(analyticsService);
  try {
    services.push(await startTestService(identityService));
    services.push(await startTestService(tenancyService));
    services.push(await startTestService(keysService));
    services.push(await startTestService(chainsService));
    services.push(await startTestService(analyticsService, e2eClickhouseEnv()));
    // Usage (and credits) written back every 200 ms instead of 5 s, so the test does not wait long.
    // Redis given 3 s instead of 0.5 s: the test's 200 parallel verifications share one process (and
    // its event loop) with both gateways and every service, so a reply can wait behind them that long.
    const env = {
      VERIFY_TOKENS: `${TOKEN},${OTHER_TOKEN}`,
      API_KEY_USAGE_FLUSH_MS: '200',
      API_KEY_REDIS_TIMEOUT_MS: '3000',
    };
    gatewayA = await startTestGateway(env);
    gatewayB = await startTestGateway(env);
  } catch (error) {
    await gatewayA?.close();
    for (const service of services.reverse()) await service.close();
    throw error;
  }
  owner = await newUser(gatewayA.url, 'Verify Owner');
  org = await createOrg(gatewayA.url, owner, 'Verify E2E');
  const project = await call<{ id: string }>(gatewayA.url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: `Verify ${randomBytes(3).toString('hex')}`,
    kind: 'web3',
  });
  if (project.status !== 201) throw new Error(`project: ${project.status} ${JSON.stringify(project.body)}`);
  projectId = project.body.id;
}, 120_000);

afterAll(async () => {
  await gatewayB?.close();
  await gatewayA?.close();
  for (const service of services.reverse()) await service.close();
});

async function issue(body: Record<string, unknown> = {}): Promise<CreatedKey> {
  const answer = await call<CreatedKey>(gatewayA.url, 'POST', `/projects/${projectId}/keys`, owner, {
    name: 'RPC',
    scopes: ['rpc'],
    ...body,
  });
  if (answer.status !== 201) throw new Error(`key: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function verify(
  body: Record<string, unknown>,
  gateway: RunningGateway = gatewayA,
  token: string | null = TOKEN,
): Promise<Response> {
  return fetch(`${gateway.url}/v1/keys/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function verdict(body: Record<string, unknown>, gateway?: RunningGateway): Promise<Verdict> {
  const response = await verify(body, gateway);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`verify: ${response.status} ${text}`);
  return JSON.parse(text) as Verdict;
}

describe('the service token', () => {
  it('is required: none, a wrong one or a key instead answer 401 problem+json', async () => {
    const { key } = await issue();
    await expectProblem(await verify({ key }, gatewayA, null), 401);
    await expectProblem(await verify({ key }, gatewayA, `${TOKEN}x`), 401);
    await expectProblem(await verify({ key }, gatewayA, key), 401);
    expect((await verify({ key }, gatewayA, OTHER_TOKEN)).status).toBe(200);
  });

  it('does not stand in for input validation: a bad body is a 400 problem', async () => {
    await expectProblem(await verify({}), 400);
    await expectProblem(await verify({ key: 'nsk_x', cost: -1 }), 400);
    await expectProblem(await verify({ key: 'nsk_x', ip: 'not an address' }), 400);
    await expectProblem(await verify({ key: 'nsk_x', chain: 'Not A Slug' }), 400);
  });
});

describe('each code', () => {
  it('answers VALID with the key, and NOT_FOUND for no key', async () => {
    const created = await issue({ scopes: ['rpc', 'events:write'] });
    expect(await verdict({ key: created.key, chain: 'ethereum', method: 'eth_call' })).toEqual({
      valid: true,
      code: 'VALID',
      keyId: created.id,
      projectId,
      orgId: org.id,
      scopes: ['rpc', 'events:write'],
    });
    expect(await verdict({ key: `nsk_test_${'0'.repeat(32)}` })).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await verdict({ key: 'not even a key' })).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('answers REVOKED and EXPIRED', async () => {
    const revoked = await issue();
    expect((await verdict({ key: revoked.key })).code).toBe('VALID');
    expect((await call(gatewayA.url, 'DELETE', `/keys/${revoked.id}`, owner)).status).toBe(204);
    await eventually(async () => expect((await verdict({ key: revoked.key })).code).toBe('REVOKED'));

    const expiring = await issue({ expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await verdict({ key: expiring.key })).code).toBe('VALID');
    await eventually(async () => expect((await verdict({ key: expiring.key })).code).toBe('EXPIRED'), {
      timeoutMs: 5000,
    });
  });

  it('answers SCOPE_MISSING for a key without rpc', async () => {
    const { key } = await issue({ scopes: ['events:write'] });
    expect(await verdict({ key })).toMatchObject({ valid: false, code: 'SCOPE_MISSING' });
  });

  it('answers CHAIN_NOT_ALLOWED, ORIGIN_NOT_ALLOWED and IP_NOT_ALLOWED from the allowlists', async () => {
    const { key } = await issue({
      allowedChains: ['polygon'],
      allowedOrigins: ['https://*.example.com'],
      allowedIps: ['198.51.100.0/24'],
    });
    const where = { chain: 'polygon', origin: 'https://app.example.com', ip: '198.51.100.7' };
    expect((await verdict({ key, ...where })).code).toBe('VALID');
    expect((await verdict({ key, ...where, chain: 'ethereum' })).code).toBe('CHAIN_NOT_ALLOWED');
    expect((await verdict({ key, ...where, origin: 'https://example.org' })).code).toBe('ORIGIN_NOT_ALLOWED');
    expect((await verdict({ key, ...where, ip: '203.0.113.1' })).code).toBe('IP_NOT_ALLOWED');
    expect((await verdict({ key, chain: 'polygon' })).code).toBe('ORIGIN_NOT_ALLOWED');
    // null is absent, as for every optional field.
    expect((await verdict({ key, ...where, ip: null })).code).toBe('IP_NOT_ALLOWED');
  });

  it('answers RATE_LIMITED past the key rate limit, with the limit state', async () => {
    const { key } = await issue({ rateLimit: { limit: 2, windowSeconds: 60 } });
    const first = await verdict({ key });
    expect(first.rateLimit).toEqual({ limit: 2, remaining: 1, reset: expect.any(Number) });
    expect(first.rateLimit?.reset).toBeGreaterThan(Date.now());
    expect((await verdict({ key }, gatewayB)).rateLimit?.remaining).toBe(0);
    expect(await verdict({ key })).toMatchObject({ valid: false, code: 'RATE_LIMITED' });
  });

  it('answers USAGE_EXCEEDED once the credits are spent; a cost of 0 still passes', async () => {
    const created = await issue({ credits: { remaining: 3 } });
    expect(created.credits).toEqual({ remaining: 3, refill: null });
    expect(await verdict({ key: created.key, cost: 2 })).toMatchObject({
      code: 'VALID',
      credits: { remaining: 1 },
    });
    expect(await verdict({ key: created.key, cost: 2 })).toMatchObject({
      valid: false,
      code: 'USAGE_EXCEEDED',
      credits: { remaining: 1 },
    });
    expect(await verdict({ key: created.key })).toMatchObject({ code: 'VALID', credits: { remaining: 0 } });
    expect(await verdict({ key: created.key })).toMatchObject({ code: 'USAGE_EXCEEDED' });
    expect(await verdict({ key: created.key, cost: 0 })).toMatchObject({
      code: 'VALID',
      credits: { remaining: 0 },
    });
  });
});

describe('credits', () => {
  it('are exact under 200 parallel verifications across two gateways', async () => {
    const credits = 57;
    const { key, id } = await issue({ credits: { remaining: credits } });
    // Both replicas hold the key in memory first, so the race is on the credits, not on the lookup.
    await verdict({ key, cost: 0 }, gatewayA);
    await verdict({ key, cost: 0 }, gatewayB);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        verdict({ key, chain: 'ethereum' }, index % 2 ? gatewayB : gatewayA),
      ),
    );
    const served = answers.filter((answer) => answer.valid);
    expect(served).toHaveLength(credits);
    expect(answers.filter((answer) => answer.code === 'USAGE_EXCEEDED')).toHaveLength(200 - credits);
    expect(new Set(served.map((answer) => answer.credits?.remaining)).size).toBe(credits);
    // Written back to the key without a request waiting for it.
    await eventually(
      async () => {
        const shown = await call<CreatedKey>(gatewayA.url, 'GET', `/keys/${id}`, owner);
        expect(shown.body.credits).toEqual({ remaining: 0, refill: null });
      },
      { timeoutMs: 5000 },
    );
  });

  it('refill at the period boundary, to the refill amount', async () => {
    const { key } = await issue({ credits: { remaining: 2, refill: { interval: 'daily', amount: 5 } } });
    expect((await verdict({ key, cost: 2 })).credits).toEqual({ remaining: 0 });
    expect((await verdict({ key }, gatewayB)).code).toBe('USAGE_EXCEEDED');
    // Both replicas' clocks to one millisecond past the next UTC midnight.
    const now = Date.now();
    const boundary = nextRefillAt('daily', creditPeriodOf('daily', now)) as number;
    for (const gateway of [gatewayA, gatewayB]) gateway.app.get(CreditClock).offsetMs = boundary - now + 1;
    try {
      expect(await verdict({ key }, gatewayB)).toMatchObject({ code: 'VALID', credits: { remaining: 4 } });
      expect(await verdict({ key }, gatewayA)).toMatchObject({ code: 'VALID', credits: { remaining: 3 } });
    } finally {
      for (const gateway of [gatewayA, gatewayB]) gateway.app.get(CreditClock).offsetMs = 0;
    }
  });

  it('take a PATCH into account at once, on every gateway', async () => {
    const { key, id } = await issue({ credits: { remaining: 1 } });
    expect((await verdict({ key }, gatewayA)).code).toBe('VALID');
    expect((await verdict({ key }, gatewayB)).code).toBe('USAGE_EXCEEDED');
    const patched = await call<CreatedKey>(gatewayA.url, 'PATCH', `/keys/${id}`, owner, {
      credits: { remaining: 10 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.credits).toEqual({ remaining: 10, refill: null });
    // The broadcast reaches each replica within milliseconds; no cache TTL to wait out.
    await eventually(
      async () => expect((await verdict({ key }, gatewayB)).credits).toEqual({ remaining: 9 }),
      {
        timeoutMs: 1000,
      },
    );
    expect((await verdict({ key }, gatewayA)).credits).toEqual({ remaining: 8 });

    const removed = await call<CreatedKey>(gatewayA.url, 'PATCH', `/keys/${id}`, owner, { credits: null });
    expect(removed.body.credits).toBeNull();
    await eventually(async () => expect((await verdict({ key }, gatewayB)).credits).toBeUndefined(), {
      timeoutMs: 1000,
    });
  });
});

describe('usage', () => {
  interface Usage {
    total: number;
    byChain: { chain: string | null; count: number }[];
    rpc: {
      source: string;
      total: number;
      failed: number;
      byChain: { chain: string; count: number }[];
      byMethod: { chain: string; method: string; count: number }[];
    } | null;
  }

  it('records every verification by key, chain and method: in the key requests and in ClickHouse', async () => {
    const { key, id } = await issue({ allowedChains: ['ethereum', 'polygon'] });
    await verdict({ key, chain: 'ethereum', method: 'eth_blockNumber' }, gatewayA);
    await verdict({ key, chain: 'ethereum', method: 'eth_call' }, gatewayB);
    await verdict({ key, chain: 'polygon', method: 'eth_call' }, gatewayA);
    // Refused, and recorded as such.
    expect((await verdict({ key, chain: 'base', method: 'eth_call' }, gatewayB)).code).toBe(
      'CHAIN_NOT_ALLOWED',
    );
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const usage = await eventually(
      async () => {
        const answer = await call<Usage>(
          gatewayA.url,
          'GET',
          `/keys/${id}/usage?interval=hour&from=${from}`,
          owner,
        );
        expect(answer.status).toBe(200);
        expect(answer.body.total).toBe(4);
        expect(answer.body.rpc?.total).toBe(4);
        return answer.body;
      },
      { timeoutMs: 5000 },
    );
    expect(usage.byChain).toEqual([
      { chain: 'ethereum', count: 2 },
      { chain: 'base', count: 1 },
      { chain: 'polygon', count: 1 },
    ]);
    expect(usage.rpc).toEqual({
      source: 'verifications',
      total: 4,
      failed: 1,
      byChain: [
        { chain: 'ethereum', count: 2 },
        { chain: 'base', count: 1 },
        { chain: 'polygon', count: 1 },
      ],
      byMethod: [
        { chain: 'base', method: 'eth_call', count: 1 },
        { chain: 'ethereum', method: 'eth_blockNumber', count: 1 },
        { chain: 'ethereum', method: 'eth_call', count: 1 },
        { chain: 'polygon', method: 'eth_call', count: 1 },
      ],
    });
  });
});
