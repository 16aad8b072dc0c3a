import { chainsService, identityService } from './platform-services';
import type { ChainAuditPage, ChainDto } from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { expectProblem, getJson, startTestGateway, startTestService } from './support';
import { authHeader, jsonHeaders, signUp, signUpPlatformAdmin, type SignedUpUser } from './users';

const ADMIN_EMAIL = `chains-audit-${randomUUID()}@e2e.northstar.test`;

function chainBody() {
  const slug = `e2e-${randomBytes(6).toString('hex')}`;
  return {
    slug,
    chainId: randomInt(1_000_000_000, 2_000_000_000),
    name: `E2E chain ${slug}`,
    ecosystem: 'evm',
    testnet: true,
    nativeCurrency: { symbol: 'E2E', decimals: 18 },
    explorerUrl: `https://${slug}.explorer.example.com`,
    rpc: { http: `https://${slug}.rpc.example.com/{key}`, ws: `wss://${slug}.rpc.example.com/{key}` },
  };
}

describe('chain catalog audit log over HTTP', () => {
  let chains: RunningService;
  let identity: RunningService;
  let gateway: RunningGateway;
  let admin: SignedUpUser;
  let user: SignedUpUser;

  beforeAll(async () => {
    chains = await startTestService(chainsService);
    identity = await startTestService(identityService, { NORTHSTAR_ADMIN_EMAILS: ADMIN_EMAIL });
    gateway = await startTestGateway({ TRUST_PROXY: 'true' });
    admin = await signUpPlatformAdmin(gateway.url, ADMIN_EMAIL);
    user = await signUp(gateway.url);
  });

  afterAll(async () => {
    await gateway?.close();
    await identity?.close();
    await chains?.close();
  });

  const send = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${gateway.url}/v1/chains${path}`, {
      method,
      headers: { ...(body === undefined ? {} : jsonHeaders), ...authHeader(token) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const auditOf = (token: string, query = '') => send('GET', `/audit${query}`, token);

  it('shows an admin each change with who, when, and the chain before and after, newest first', async () => {
    const body = chainBody();
    const created = (await (await send('POST', '', admin.accessToken, body)).json()) as ChainDto;
    const rpc = {
      http: `https://elsewhere-${body.slug}.example.com/{key}`,
      ws: `wss://elsewhere-${body.slug}.example.com/{key}`,
    };
    const patched = await send('PATCH', `/${body.slug}`, admin.accessToken, { rpc });
    expect(patched.status).toBe(200);
    const updated = (await patched.json()) as ChainDto;
    expect((await send('DELETE', `/${body.slug}`, admin.accessToken)).status).toBe(204);

    const response = await auditOf(admin.accessToken, `?chain=${body.slug}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as ChainAuditPage;
    const who = { userId: admin.user.id, email: ADMIN_EMAIL };
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((item) => item.change)).toEqual(['deleted', 'updated', 'created']);
    expect(page.items[1]).toMatchObject({
      chain: body.slug,
      actor: who,
      fields: ['rpc'],
      before: { rpc: body.rpc },
      after: { rpc },
    });
    expect(page.items[0]).toMatchObject({ actor: who, before: updated, after: null });
    expect(page.items[2]).toMatchObject({ actor: who, before: null, after: created });
    expect(Date.parse(page.items[1].at)).not.toBeNaN();

    // Paged with the usual cursor.
    const first = (await (
      await auditOf(admin.accessToken, `?chain=${body.slug}&limit=2`)
    ).json()) as ChainAuditPage;
    expect(first.items.map((item) => item.change)).toEqual(['deleted', 'updated']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await (
      await auditOf(admin.accessToken, `?chain=${body.slug}&limit=2&cursor=${first.nextCursor}`)
    ).json()) as ChainAuditPage;
    expect(second).toEqual({ items: [page.items[2]], nextCursor: null });
  });

  it('answers 403 to a signed-in user who is not a platform admin, and 401 without a token', async () => {
    await expectProblem(await auditOf(user.accessToken), 403);
    await expectProblem(await fetch(`${gateway.url}/v1/chains/audit`), 401);
  });

  it('answers 400 for a malformed filter or cursor', async () => {
    const problem = await expectProblem(await auditOf(admin.accessToken, '?chain=Not%20A%20Slug'), 400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['chain']);
    await expectProblem(await auditOf(admin.accessToken, '?cursor=bm9wZQ'), 400);
  });

  it('is documented in OpenAPI, and a chain cannot take its name', async () => {
    const { body } = await getJson<{ paths: Record<string, Record<string, { responses: object }>> }>(
      `${gateway.url}/docs-json`,
    );
    expect(body.paths['/v1/chains/audit']['get'].responses).toHaveProperty('200');
    expect(body.paths['/v1/chains/audit']['get'].responses).toHaveProperty('403');
    const refused = await send('POST', '', admin.accessToken, { ...chainBody(), slug: 'audit' });
    expect((await expectProblem(refused, 400)).errors?.map((e) => e.field)).toEqual(['slug']);
  });
});
