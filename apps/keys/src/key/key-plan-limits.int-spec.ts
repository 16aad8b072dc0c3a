import {
  BusErrorCode,
  KeysSubjects,
  type Actor,
  type CreateKeyRequest,
  type PlanLimitsDto,
} from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  adminActor,
  busError,
  connectTestBus,
  eventually,
  startTestService,
  STAND_IN_PLAN,
  TenancyStandIn,
  userActor,
  type TestBus,
  type TestProject,
} from '@northstar/testing';
import { ChainsStandIn } from '../../test/chains-stand-in';
import { keysService } from '../keys.service-definition';

// The plan's maxKeys and per-key defaults, as keys enforces them with the plan tenancy answers.

let keys: RunningService;
let chains: ChainsStandIn;
let client: TestBus;
let tenancy: TenancyStandIn;

beforeAll(async () => {
  client = await connectTestBus();
  tenancy = new TenancyStandIn(client.connection);
  await tenancy.start();
  chains = new ChainsStandIn(client.connection);
  await chains.start();
  keys = await startTestService(keysService);
});

afterAll(async () => {
  tenancy?.stop();
  chains?.stop();
  await keys?.close();
  await client?.close();
});

const tiny = (overrides: Partial<PlanLimitsDto> = {}): PlanLimitsDto => ({
  ...STAND_IN_PLAN,
  id: 'tiny',
  name: 'Tiny',
  maxKeys: 2,
  ...overrides,
});

/** An owner of a fresh organisation with one project, on `plan`. */
function orgOn(plan: PlanLimitsDto): { actor: Actor; tenant: TestProject } {
  const actor = userActor();
  const tenant = tenancy.organisation(actor.userId);
  tenancy.setPlan(tenant, plan);
  return { actor, tenant };
}

const create = (actor: Actor, tenant: TestProject, overrides: Partial<CreateKeyRequest> = {}) =>
  client.bus.send(KeysSubjects.create, {
    actor,
    projectId: tenant.projectId,
    name: 'Key',
    scopes: ['events:write'],
    ...overrides,
  });

describe("a plan's maxKeys", () => {
  it("refuses the organisation's key past the limit, naming the limit and the plan, across its projects", async () => {
    const { actor, tenant } = orgOn(tiny());
    await create(actor, tenant);
    await create(actor, tenancy.sibling(tenant));

    const refused = await busError(create(actor, tenant));
    expect(refused.code).toBe(BusErrorCode.Forbidden);
    expect(refused.extra).toMatchObject({ problem: 'plan-limit', limit: 'maxKeys' });
    expect(refused.message).toMatch(/^The tiny plan allows 2 active keys/);
  });

  it('makes room again when a key is revoked; keys of other organisations do not count', async () => {
    const { actor, tenant } = orgOn(tiny());
    const first = await create(actor, tenant);
    await create(actor, tenant);
    const other = orgOn(tiny());
    await create(other.actor, other.tenant);

    await client.bus.send(KeysSubjects.revoke, { actor, keyId: first.id });
    await expect(create(actor, tenant)).resolves.toMatchObject({ revokedAt: null });
  });

  it('counts no expired key', async () => {
    const { actor, tenant } = orgOn(tiny({ maxKeys: 1 }));
    await create(actor, tenant, { expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await busError(create(actor, tenant))).extra.limit).toBe('maxKeys');
    // Once it has expired, its place is free again.
    await eventually(() => create(actor, tenant), { timeoutMs: 5000, intervalMs: 250 });
  });

  it('takes no key away when the plan is lowered: they keep working, only new ones are refused', async () => {
    const { actor, tenant } = orgOn(tiny({ maxKeys: 3 }));
    const made = [await create(actor, tenant), await create(actor, tenant), await create(actor, tenant)];
    tenancy.setPlan(tenant, tiny({ maxKeys: 1 }));

    expect((await busError(create(actor, tenant))).extra.limit).toBe('maxKeys');
    const listed = await client.bus.send(KeysSubjects.list, { actor, projectId: tenant.projectId });
    expect(listed.items.map((key) => key.id).sort()).toEqual(made.map((key) => key.id).sort());
    expect(listed.items.every((key) => key.revokedAt === null)).toBe(true);
  });

  it('lets exactly the plan allows through when creations race', async () => {
    const { actor, tenant } = orgOn(tiny({ maxKeys: 3 }));
    const answers = await Promise.allSettled(Array.from({ length: 8 }, () => create(actor, tenant)));
    expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(3);
    const refusals = answers.flatMap((answer) => (answer.status === 'rejected' ? [answer.reason] : []));
    expect(
      refusals.every((reason) => (reason as { extra?: { limit?: string } }).extra?.limit === 'maxKeys'),
    ).toBe(true);
  });
});

describe("a plan's default key rate limit", () => {
  it('gives a key created without a rate limit the plan default, per minute; an explicit null or limit wins', async () => {
    const { actor, tenant } = orgOn(tiny({ maxKeys: 10, defaultKeyRateLimit: 120 }));
    expect((await create(actor, tenant)).rateLimit).toEqual({ limit: 120, windowSeconds: 60 });
    expect((await create(actor, tenant, { rateLimit: null })).rateLimit).toBeNull();
    const own = { limit: 5, windowSeconds: 1 };
    expect((await create(actor, tenant, { rateLimit: own })).rateLimit).toEqual(own);
  });

  it('leaves keys unlimited on a plan without a default', async () => {
    const { actor, tenant } = orgOn(tiny({ defaultKeyRateLimit: null }));
    expect((await create(actor, tenant)).rateLimit).toBeNull();
  });
});

describe("counting an organisation's active keys", () => {
  it('counts live keys for a member and a platform admin; a stranger learns nothing', async () => {
    const { actor, tenant } = orgOn(tiny({ maxKeys: 10 }));
    const viewer = userActor();
    tenancy.addMember(tenant, viewer.userId, 'viewer');
    const revoked = await create(actor, tenant);
    await create(actor, tenant);
    await create(actor, tenancy.sibling(tenant));
    await client.bus.send(KeysSubjects.revoke, { actor, keyId: revoked.id });

    const expected = { orgId: tenant.orgId, active: 2 };
    expect(await client.bus.send(KeysSubjects.countOrgKeys, { actor: viewer, orgId: tenant.orgId })).toEqual(
      expected,
    );
    expect(
      await client.bus.send(KeysSubjects.countOrgKeys, { actor: adminActor(), orgId: tenant.orgId }),
    ).toEqual(expected);
    const stranger = await busError(
      client.bus.send(KeysSubjects.countOrgKeys, { actor: userActor(), orgId: tenant.orgId }),
    );
    expect(stranger.code).toBe(BusErrorCode.NotFound);
  });
});
