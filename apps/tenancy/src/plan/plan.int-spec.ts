import {
  BusErrorCode,
  TenancyEvents,
  TenancySubjects,
  type Actor,
  type BusRequest,
  type BusSubject,
  TenancyBroadcasts,
  type OrgPlanChangedEvent,
  type PlanChangedBroadcast,
} from '@northstar/contracts';
import { adminActor, busError } from '@northstar/testing';
import { Fixtures, Recorder, startTenancy, type Tenancy, type TestUser } from '../../test/harness';

let tenancy: Tenancy;
let make: Fixtures;
const planChanges = new Recorder<OrgPlanChangedEvent>(`domain.${TenancyEvents.orgPlanChanged}`, false);
const planBroadcasts = new Recorder<PlanChangedBroadcast>(TenancyBroadcasts.planChanged, true);

beforeAll(async () => {
  tenancy = await startTenancy();
  make = new Fixtures(tenancy);
  planChanges.start(tenancy.client.connection);
  planBroadcasts.start(tenancy.client.connection);
  await tenancy.client.connection.flush();
});

afterAll(async () => {
  planChanges.stop();
  planBroadcasts.stop();
  await tenancy?.close();
});

const send = <S extends BusSubject>(subject: S, request: BusRequest<S>) =>
  tenancy.client.bus.send(subject, request);

const setPlan = (orgId: string, planId: string, actor: Actor = adminActor()) =>
  send(TenancySubjects.setOrgPlan, { actor, orgId, planId });

const FREE = {
  id: 'free',
  name: 'Free',
  monthlyEvents: 100_000,
  retentionDays: 30,
  maxProjects: 3,
  maxMembers: 5,
  maxKeys: 10,
};

async function invite(orgId: string, inviter: TestUser): Promise<{ user: TestUser; invitationId: string }> {
  const user = make.user();
  const invitation = await send(TenancySubjects.createInvitation, {
    actor: inviter.actor,
    orgId,
    email: user.email,
    role: 'member',
  });
  return { user, invitationId: invitation.id };
}

async function accept(orgId: string, invited: { user: TestUser; invitationId: string }) {
  const token = await make.tokenFor(orgId, invited.user.email, invited.invitationId);
  return send(TenancySubjects.acceptInvitation, { actor: invited.user.actor, token });
}

describe('the plans', () => {
  it('lists the seeded plans in order, to anyone', async () => {
    const plans = await send(TenancySubjects.listPlans, {});
    const seeded = plans.filter((plan) => ['free', 'pro', 'enterprise'].includes(plan.id));
    expect(seeded).toEqual([
      FREE,
      {
        id: 'pro',
        name: 'Pro',
        monthlyEvents: 10_000_000,
        retentionDays: 365,
        maxProjects: 50,
        maxMembers: 50,
        maxKeys: 200,
      },
      {
        id: 'enterprise',
        name: 'Enterprise',
        monthlyEvents: 1_000_000_000,
        retentionDays: 1825,
        maxProjects: 1000,
        maxMembers: 1000,
        maxKeys: 10_000,
      },
    ]);
  });
});

describe("an organisation's plan", () => {
  it('starts on free; a viewer reads it with this month (UTC) and live counts; a stranger gets not_found', async () => {
    const team = await make.team({ plan: 'free' });
    await make.project(team.owner, team.org.id);

    const state = await send(TenancySubjects.getOrgPlan, { actor: team.viewer.actor, orgId: team.org.id });
    const now = new Date();
    expect(state).toEqual({
      plan: FREE,
      period: {
        start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
        end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
      },
      usage: { projects: 1, members: 4 },
    });
    const stranger = await busError(
      send(TenancySubjects.getOrgPlan, { actor: team.outsider.actor, orgId: team.org.id }),
    );
    expect(stranger.code).toBe(BusErrorCode.NotFound);
  });

  it('is changed by platform admins only, announcing the change durably and to every replica', async () => {
    const team = await make.team({ plan: 'free' });
    const owner = await busError(setPlan(team.org.id, 'pro', team.owner.actor));
    expect(owner.code).toBe(BusErrorCode.Forbidden);

    const changed = await setPlan(team.org.id, 'pro');
    expect(changed.plan.id).toBe('pro');
    expect(changed.usage).toEqual({ projects: 0, members: 4 });
    expect(await planChanges.find((event) => event.orgId === team.org.id)).toEqual({
      orgId: team.org.id,
      planId: 'pro',
      previousPlanId: 'free',
      changedAt: expect.any(String),
    });
    expect(await planBroadcasts.find((event) => event.orgId === team.org.id)).toEqual({
      orgId: team.org.id,
      planId: 'pro',
    });
    const limits = await send(TenancySubjects.orgPlanLimits, { orgId: team.org.id });
    expect(limits).toMatchObject({ orgId: team.org.id, plan: { id: 'pro', maxProjects: 50 } });
    expect(limits.plan).toHaveProperty('defaultKeyRateLimit');

    // The same plan again changes nothing and announces nothing.
    await setPlan(team.org.id, 'pro');
    expect(planChanges.messages.filter((event) => event.orgId === team.org.id)).toHaveLength(1);
    expect(planBroadcasts.messages.filter((event) => event.orgId === team.org.id)).toHaveLength(1);
  });

  it('refuses an unknown plan, naming planId, and an unknown organisation', async () => {
    const team = await make.team({ plan: 'free' });
    const unknown = await busError(setPlan(team.org.id, 'platinum'));
    expect(unknown.code).toBe(BusErrorCode.ValidationFailed);
    expect(unknown.extra.errors).toEqual([{ field: 'planId', message: expect.stringContaining('platinum') }]);
    const missing = await busError(setPlan('00000000-0000-4000-8000-000000000000', 'pro'));
    expect(missing.code).toBe(BusErrorCode.NotFound);
    const noLimits = await busError(
      send(TenancySubjects.orgPlanLimits, { orgId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(noLimits.code).toBe(BusErrorCode.NotFound);
  });
});

describe("the plan's limits", () => {
  it('refuses the project past maxProjects, naming the limit and the plan; a bigger plan makes room', async () => {
    const owner = make.user();
    const org = await make.org(owner);
    for (let i = 0; i < 3; i++) await make.project(owner, org.id);

    const refused = await busError(make.project(owner, org.id));
    expect(refused.code).toBe(BusErrorCode.Forbidden);
    expect(refused.extra).toMatchObject({ problem: 'plan-limit', limit: 'maxProjects' });
    expect(refused.message).toMatch(/^The free plan allows 3 projects/);

    await setPlan(org.id, 'pro');
    await make.project(owner, org.id);
    // Back on free: the four projects stay, a fifth is refused.
    const lowered = await setPlan(org.id, 'free');
    expect(lowered.usage.projects).toBe(4);
    expect((await busError(make.project(owner, org.id))).extra.limit).toBe('maxProjects');
    const listed = await send(TenancySubjects.listProjects, { actor: owner.actor, orgId: org.id });
    expect(listed.items).toHaveLength(4);
  });

  it('lets only the plan allows through when project creations race', async () => {
    const owner = make.user();
    const org = await make.org(owner);
    const answers = await Promise.allSettled(Array.from({ length: 6 }, () => make.project(owner, org.id)));
    expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(3);
  });

  it('refuses an invitation when members and pending invitations would pass maxMembers', async () => {
    const team = await make.team({ plan: 'free' }); // four members
    await invite(team.org.id, team.owner); // the fifth place, pending

    const refused = await busError(invite(team.org.id, team.admin));
    expect(refused.code).toBe(BusErrorCode.Forbidden);
    expect(refused.extra).toMatchObject({ problem: 'plan-limit', limit: 'maxMembers' });
    expect(refused.message).toMatch(/^The free plan allows 5 members/);
  });

  it('refuses accepting an invitation past maxMembers (the plan was lowered since it was sent)', async () => {
    const team = await make.team({ plan: 'free' });
    await setPlan(team.org.id, 'pro');
    const first = await invite(team.org.id, team.owner);
    const second = await invite(team.org.id, team.owner);
    await setPlan(team.org.id, 'free');

    await accept(team.org.id, first); // the fifth member
    const refused = await busError(accept(team.org.id, second));
    expect(refused.extra).toMatchObject({ problem: 'plan-limit', limit: 'maxMembers' });
    const state = await send(TenancySubjects.getOrgPlan, { actor: team.owner.actor, orgId: team.org.id });
    expect(state.usage.members).toBe(5);
  });
});
