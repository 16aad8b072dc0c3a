import { chainsService, identityService } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { expectProblem, getJson, startTestGateway, startTestService } from './support';
import {
  authHeader,
  clientAddress,
  jsonHeaders,
  postJson,
  signUp,
  signUpPlatformAdmin,
  verifyEmail,
  type SignedUpUser,
} from './users';

const ADMIN_EMAIL = `chains-admin-${randomUUID()}@e2e.northstar.test`;
// Listed too, but signs up without verifying first.
const LATE_ADMIN_EMAIL = `chains-late-admin-${randomUUID()}@e2e.northstar.test`;

function uniqueChainSlug(): string {
  return `e2e-${randomBytes(6).toString('hex')}`;
}

function chainBody(slug = uniqueChainSlug()) {
  return {
    slug,
    // Far above real EIP-155 ids, so that tests never collide with the seed or each other.
    chainId: randomInt(1_000_000_000, 2_000_000_000),
    name: `E2E chain ${slug}`,
    ecosystem: 'evm',
    testnet: true,
    nativeCurrency: { symbol: 'E2E', decimals: 18 },
    explorerUrl: `https://${slug}.explorer.example.com`,
    rpc: { http: `https://${slug}.rpc.example.com/{key}`, ws: `wss://${slug}.rpc.example.com/{key}` },
  };
}

describe('chain catalog administration over HTTP', () => {
  let chains: RunningService;
  let identity: RunningService;
  let gateway: RunningGateway;
  let admin: SignedUpUser;
  let user: SignedUpUser;
  const created = new Set<string>();

  beforeAll(async () => {
    chains = await startTestService(chainsService);
    identity = await startTestService(identityService, {
      NORTHSTAR_ADMIN_EMAILS: `${ADMIN_EMAIL},${LATE_ADMIN_EMAIL}`.toUpperCase(),
    });
    gateway = await startTestGateway({ TRUST_PROXY: 'true' });
    admin = await signUpPlatformAdmin(gateway.url, ADMIN_EMAIL);
    user = await signUp(gateway.url);
  });

  afterAll(async () => {
    for (const slug of created) {
      await fetch(`${gateway.url}/v1/chains/${slug}`, {
        method: 'DELETE',
        headers: authHeader(admin.accessToken),
      });
    }
    await gateway?.close();
    await identity?.close();
    await chains?.close();
  });

  const send = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${gateway.url}/v1/chains${path}`, {
      method,
      headers: { ...(body === undefined ? {} : jsonHeaders), ...(token ? authHeader(token) : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // Remembers what it may have created, for afterAll; never a seeded chain.
  const create = (token?: string, body = chainBody()) => {
    if (body.slug.startsWith('e2e-')) created.add(body.slug);
    return send('POST', '', token, body);
  };

  it('lets a platform admin create (201), update (200) and delete (204) a chain', async () => {
    const body = chainBody();
    const createdResponse = await create(admin.accessToken, body);
    expect(createdResponse.status).toBe(201);
    expect(await createdResponse.json()).toEqual({ ...body, status: 'active' });
    expect((await getJson(`${gateway.url}/v1/chains/${body.slug}`)).body).toMatchObject({ slug: body.slug });

    const updated = await send('PATCH', `/${body.slug}`, admin.accessToken, {
      status: 'inactive',
      name: 'Retired',
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ slug: body.slug, status: 'inactive', name: 'Retired' });

    const deleted = await send('DELETE', `/${body.slug}`, admin.accessToken);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    await expectProblem(await fetch(`${gateway.url}/v1/chains/${body.slug}`), 404);
  });

  it('answers 403 to a signed-in user who is not a platform admin, and changes nothing', async () => {
    const body = chainBody();
    await expectProblem(await create(user.accessToken, body), 403);
    await expectProblem(await fetch(`${gateway.url}/v1/chains/${body.slug}`), 404);

    expect((await create(admin.accessToken, body)).status).toBe(201);
    await expectProblem(await send('PATCH', `/${body.slug}`, user.accessToken, { name: 'Hijacked' }), 403);
    await expectProblem(await send('DELETE', `/${body.slug}`, user.accessToken), 403);
    expect((await getJson(`${gateway.url}/v1/chains/${body.slug}`)).body).toMatchObject({ name: body.name });
  });

  it('answers 403 to a listed admin email until it is verified, then lets its next token in', async () => {
    const late = await signUp(gateway.url, { email: LATE_ADMIN_EMAIL });
    const body = chainBody();
    await expectProblem(await create(late.accessToken, body), 403);
    await expectProblem(await send('PATCH', '/ethereum', late.accessToken, { name: 'Hijacked' }), 403);
    await expectProblem(await fetch(`${gateway.url}/v1/chains/${body.slug}`), 404);

    await verifyEmail(gateway.url, late.email);
    const refreshed = await postJson(
      `${gateway.url}/v1/auth/refresh`,
      { refreshToken: late.refreshToken },
      clientAddress(),
    );
    expect(refreshed.status).toBe(200);
    const { accessToken } = (await refreshed.json()) as { accessToken: string };
    expect((await create(accessToken, body)).status).toBe(201);
  });

  it('answers 401 without a token, before looking at the body', async () => {
    const body = chainBody();
    await expectProblem(await create(undefined, body), 401);
    await expectProblem(await send('PATCH', '/ethereum', undefined, { name: 'x' }), 401);
    await expectProblem(await send('DELETE', '/ethereum'), 401);
    await expectProblem(await fetch(`${gateway.url}/v1/chains/${body.slug}`), 404);
    expect((await getJson(`${gateway.url}/v1/chains/ethereum`)).body).toMatchObject({ name: 'Ethereum' });
  });

  it('answers 400 with the fields of an invalid chain, and 409 for a taken slug', async () => {
    const invalid = await expectProblem(
      await create(admin.accessToken, { ...chainBody(), explorerUrl: 'nope' }),
      400,
    );
    expect(invalid.errors?.map((e) => e.field)).toContain('explorerUrl');
    await expectProblem(await create(admin.accessToken, { ...chainBody(), slug: 'ethereum' }), 409);
  });
});
