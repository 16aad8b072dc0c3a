import { identityService, keysService, tenancyService } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { expectProblem, migrateService, startTestGateway, startTestService } from './support';
import { call, createOrg, joinAs, newUser, type TestOrg } from './tenancy-support';
import { signUpPlatformAdmin, type SignedUpUser } from './users';

// Plans over HTTP (issue 19): the public list, an organisation's plan with its usage, a platform
// admin changing it, and the 403 `plan-limit` past a limit, as a user of the API sees them.

const ADMIN_EMAIL = `plans-admin-${randomUUID()}@e2e.northstar.test`;

const FREE = {
  id: 'free',
  name: 'Free',
  monthlyEvents: 100_000,
  retentionDays: 30,
  maxProjects: 3,
  maxMembers: 5,
  maxKeys: 10,
};

let services: RunningService[] = [];
let gateway: RunningGateway;
let url: string;
let admin: SignedUpUser;

beforeAll(async () => {
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  services = [
    await startTestService(identityService, { NORTHSTAR_ADMIN_EMAILS: ADMIN_EMAIL }),
    await startTestService(tenancyService),
    await startTestService(keysService),
  ];
  gateway = await startTestGateway({ TRUST_PROXY: 'true' });
  url = gateway.url;
  admin = await signUpPlatformAdmin(url, ADMIN_EMAIL);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
});

/** A new owner with an organisation on the free plan. */
async function freeOrg(name: string): Promise<{ owner: SignedUpUser; org: TestOrg }> {
  const owner = await newUser(url, `${name} Owner`);
  return { owner, org: await createOrg(url, owner, name, { plan: 'free' }) };
}

async function newProject(owner: SignedUpUser, orgId: string) {
  return call<{ id: string }>(url, 'POST', `/orgs/${orgId}/projects`, owner, { name: 'Plans', kind: 'web2' });
}

async function newKey(owner: SignedUpUser, projectId: string) {
  return call<{ id: string }>(url, 'POST', `/projects/${projectId}/keys`, owner, {
    name: 'Plans',
    scopes: ['events:write'],
  });
}

function thisMonth() {
  const now = new Date();
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
  };
}

describe('GET /v1/plans', () => {
  it('lists the plans to anyone, without credentials', async () => {
    const answer = await call<Record<string, unknown>[]>(url, 'GET', '/plans', null);
    expect(answer.status).toBe(200);
    expect(answer.body.find((plan) => plan['id'] === 'free')).toEqual(FREE);
    expect(answer.body.map((plan) => plan['id'])).toEqual(
      expect.arrayContaining(['free', 'pro', 'enterprise']),
    );
  });
});

describe("an organisation's plan", () => {
  it('shows a viewer the free plan, this month (UTC) and what the organisation uses now', async () => {
    const { owner, org } = await freeOrg('Plans Usage');
    const project = await newProject(owner, org.id);
    const revoked = await newKey(owner, project.body.id);
    await newKey(owner, project.body.id);
    await call(url, 'DELETE', `/keys/${revoked.body.id}`, owner);
    const viewer = await joinAs(url, org.id, owner, 'viewer');

    const answer = await call(url, 'GET', `/orgs/${org.id}/plan`, viewer);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      plan: FREE,
      period: thisMonth(),
      usage: { events: 0, projects: 1, members: 2, keys: 1 },
    });
    const stranger = await newUser(url, 'Plans Stranger');
    await expectProblem((await call(url, 'GET', `/orgs/${org.id}/plan`, stranger)).response, 404);
  });

  it('is changed by a platform admin, answering as GET does; anyone else gets 403', async () => {
    const { owner, org } = await freeOrg('Plans Change');
    const byOwner = await expectProblem(
      (await call(url, 'PUT', `/orgs/${org.id}/plan`, owner, { planId: 'pro' })).response,
      403,
    );
    expect(byOwner.detail).toMatch(/platform admins/);

    const answer = await call<{ plan: { id: string } }>(url, 'PUT', `/orgs/${org.id}/plan`, admin, {
      planId: 'pro',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      plan: expect.objectContaining({ id: 'pro', name: 'Pro', maxProjects: 50 }),
      period: thisMonth(),
      usage: { events: 0, projects: 0, members: 1, keys: 0 },
    });
    const read = await call<{ plan: { id: string } }>(url, 'GET', `/orgs/${org.id}/plan`, owner);
    expect(read.body.plan.id).toBe('pro');
  });

  it('refuses an unknown plan with a 400 naming planId', async () => {
    const { org } = await freeOrg('Plans Unknown');
    for (const planId of ['platinum', 'Not A Plan', 42]) {
      const problem = await expectProblem(
        (await call(url, 'PUT', `/orgs/${org.id}/plan`, admin, { planId })).response,
        400,
      );
      expect(problem.errors?.map((error) => error.field)).toEqual(['planId']);
    }
  });
});

describe('limits', () => {
  it("refuses a free organisation's fourth project with 403 plan-limit, naming the limit and the plan", async () => {
    const { owner, org } = await freeOrg('Plans Projects');
    for (let i = 0; i < 3; i++) expect((await newProject(owner, org.id)).status).toBe(201);

    const problem = await expectProblem((await newProject(owner, org.id)).response, 403);
    expect(problem).toMatchObject({
      type: 'https://northstar.dev/problems/plan-limit',
      limit: 'maxProjects',
      detail: expect.stringMatching(/^The free plan allows 3 projects/),
    });

    // A bigger plan makes room; going back deletes nothing.
    await call(url, 'PUT', `/orgs/${org.id}/plan`, admin, { planId: 'pro' });
    expect((await newProject(owner, org.id)).status).toBe(201);
    const lowered = await call<{ usage: { projects: number } }>(url, 'PUT', `/orgs/${org.id}/plan`, admin, {
      planId: 'free',
    });
    expect(lowered.body.usage.projects).toBe(4);
    await expectProblem((await newProject(owner, org.id)).response, 403);
  });

  it('refuses the invitation that would make a free organisation more than five members, pending ones included', async () => {
    const { owner, org } = await freeOrg('Plans Members');
    const invite = () =>
      call(url, 'POST', `/orgs/${org.id}/invitations`, owner, {
        email: `plans-invitee-${randomUUID()}@e2e.northstar.test`,
        role: 'viewer',
      });
    for (let i = 0; i < 4; i++) expect((await invite()).status).toBe(201);

    const problem = await expectProblem((await invite()).response, 403);
    expect(problem).toMatchObject({
      type: 'https://northstar.dev/problems/plan-limit',
      limit: 'maxMembers',
      detail: expect.stringMatching(/^The free plan allows 5 members/),
    });
  });

  it("refuses a free organisation's eleventh active key with 403 plan-limit maxKeys", async () => {
    const { owner, org } = await freeOrg('Plans Keys');
    const project = await newProject(owner, org.id);
    for (let i = 0; i < 10; i++) expect((await newKey(owner, project.body.id)).status).toBe(201);

    const problem = await expectProblem((await newKey(owner, project.body.id)).response, 403);
    expect(problem).toMatchObject({
      type: 'https://northstar.dev/problems/plan-limit',
      limit: 'maxKeys',
      detail: expect.stringMatching(/^The free plan allows 10 active keys/),
    });
  });
});
