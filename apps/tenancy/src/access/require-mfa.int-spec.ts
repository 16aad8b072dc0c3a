import { BusErrorCode, TenancySubjects, type Actor } from '@northstar/contracts';
import { busError } from '@northstar/testing';
import { Fixtures, startTenancy, type Team, type Tenancy } from '../../test/harness';

let tenancy: Tenancy;
let make: Fixtures;

beforeAll(async () => {
  tenancy = await startTenancy();
  make = new Fixtures(tenancy);
});

afterAll(async () => {
  await tenancy?.close();
});

const withMfa = (actor: Actor): Actor => ({ ...actor, mfa: true });
const bus = () => tenancy.client.bus;

/** A team whose organisation requires two factors, set by its owner (who has them). */
async function strictTeam(): Promise<Team> {
  const team = await make.team();
  const org = await bus().send(TenancySubjects.updateOrg, {
    actor: withMfa(team.owner.actor),
    orgId: team.org.id,
    requireMfa: true,
  });
  expect(org.requireMfa).toBe(true);
  return team;
}

describe('organisations requiring two-factor sign-in', () => {
  it('only an owner sets requireMfa, and only with two factors of their own', async () => {
    const team = await make.team();
    const byAdmin = await busError(
      bus().send(TenancySubjects.updateOrg, {
        actor: withMfa(team.admin.actor),
        orgId: team.org.id,
        requireMfa: true,
      }),
    );
    expect(byAdmin.code).toBe(BusErrorCode.Forbidden);
    expect(byAdmin.extra.problem).toBeUndefined();

    const withoutOwn = await busError(
      bus().send(TenancySubjects.updateOrg, {
        actor: team.owner.actor,
        orgId: team.org.id,
        requireMfa: true,
      }),
    );
    expect(withoutOwn.code).toBe(BusErrorCode.Forbidden);
    expect(withoutOwn.extra.problem).toBe('mfa-required');
  });

  it("refuses members without two factors on the organisation's and its projects' requests, mfa-required", async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    // Cached before the rule: the change must reach the cached access at once.
    await bus().send(TenancySubjects.checkAccess, {
      actor: team.viewer.actor,
      projectId: project.id,
      permission: 'analytics:read',
    });
    await bus().send(TenancySubjects.updateOrg, {
      actor: withMfa(team.owner.actor),
      orgId: team.org.id,
      requireMfa: true,
    });

    for (const request of [
      bus().send(TenancySubjects.getOrg, { actor: team.viewer.actor, orgId: team.org.id }),
      bus().send(TenancySubjects.listProjects, { actor: team.member.actor, orgId: team.org.id }),
      bus().send(TenancySubjects.getProject, { actor: team.admin.actor, projectId: project.id }),
      bus().send(TenancySubjects.checkAccess, {
        actor: team.viewer.actor,
        projectId: project.id,
        permission: 'analytics:read',
      }),
    ]) {
      const error = await busError(request);
      expect(error.code).toBe(BusErrorCode.Forbidden);
      expect(error.extra.problem).toBe('mfa-required');
    }

    // With two factors, everything as before.
    await expect(
      bus().send(TenancySubjects.getOrg, { actor: withMfa(team.viewer.actor), orgId: team.org.id }),
    ).resolves.toMatchObject({ role: 'viewer', requireMfa: true });
    await expect(
      bus().send(TenancySubjects.checkAccess, {
        actor: withMfa(team.viewer.actor),
        projectId: project.id,
        permission: 'analytics:read',
      }),
    ).resolves.toMatchObject({ role: 'viewer' });
  });

  it('still hides the organisation from outsiders (404), and lets a member leave', async () => {
    const team = await strictTeam();
    const outsider = await busError(
      bus().send(TenancySubjects.getOrg, { actor: team.outsider.actor, orgId: team.org.id }),
    );
    expect(outsider.code).toBe(BusErrorCode.NotFound);
    await bus().send(TenancySubjects.removeMember, {
      actor: team.member.actor,
      orgId: team.org.id,
      userId: team.member.actor.userId,
    });
  });

  it('lifts the rule for everyone once the owner turns it off', async () => {
    const team = await strictTeam();
    await bus().send(TenancySubjects.updateOrg, {
      actor: withMfa(team.owner.actor),
      orgId: team.org.id,
      requireMfa: false,
    });
    await expect(
      bus().send(TenancySubjects.checkAccess, {
        actor: team.viewer.actor,
        orgId: team.org.id,
        permission: 'org:read',
      }),
    ).resolves.toMatchObject({ role: 'viewer' });
  });
});
