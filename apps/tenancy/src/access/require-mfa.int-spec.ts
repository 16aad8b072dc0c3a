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
/** The actor of a session that the single sign-on provider `provider` signed in. */
const via = (actor: Actor, provider: string): Actor => ({ ...actor, mfaVia: `oidc:${provider}` });
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

  describe("trusting a sign-on provider's own MFA", () => {
    it('lets in members signed in through a trusted provider, on every request, and only them', async () => {
      const team = await make.team();
      const project = await make.project(team.admin, team.org.id);
      const org = await bus().send(TenancySubjects.updateOrg, {
        actor: withMfa(team.owner.actor),
        orgId: team.org.id,
        requireMfa: true,
        trustedMfaProviders: ['corp', 'okta'],
      });
      expect(org).toMatchObject({ requireMfa: true, trustedMfaProviders: ['corp', 'okta'] });

      // Called one after the other: the second access check is answered by the access cache, which
      // must know the trusted providers as well as the database does.
      const asks = (actor: Actor) => [
        () => bus().send(TenancySubjects.getOrg, { actor, orgId: team.org.id }),
        () => bus().send(TenancySubjects.getProject, { actor, projectId: project.id }),
        () =>
          bus().send(TenancySubjects.checkAccess, {
            actor,
            projectId: project.id,
            permission: 'analytics:read',
          }),
        () =>
          bus().send(TenancySubjects.checkAccess, {
            actor,
            projectId: project.id,
            permission: 'analytics:read',
          }),
      ];
      const trusted = via(team.viewer.actor, 'corp');
      const [getOrg, getProject, ...checks] = asks(trusted);
      await expect(getOrg?.()).resolves.toMatchObject({
        role: 'viewer',
        trustedMfaProviders: ['corp', 'okta'],
      });
      await expect(getProject?.()).resolves.toMatchObject({ id: project.id });
      for (const check of checks) await expect(check()).resolves.toMatchObject({ role: 'viewer' });
      // Another provider, and a password session, are no second factor here.
      for (const actor of [via(team.viewer.actor, 'github'), team.viewer.actor]) {
        for (const ask of asks(actor)) {
          const error = await busError(ask());
          expect(error.code).toBe(BusErrorCode.Forbidden);
          expect(error.extra.problem).toBe('mfa-required');
        }
      }
    });

    it('stops trusting a provider at once when the owner removes it', async () => {
      const team = await make.team();
      await bus().send(TenancySubjects.updateOrg, {
        actor: withMfa(team.owner.actor),
        orgId: team.org.id,
        requireMfa: true,
        trustedMfaProviders: ['corp'],
      });
      const check = () =>
        bus().send(TenancySubjects.checkAccess, {
          actor: via(team.member.actor, 'corp'),
          orgId: team.org.id,
          permission: 'org:read',
        });
      await expect(check()).resolves.toMatchObject({ role: 'member' });
      const org = await bus().send(TenancySubjects.updateOrg, {
        actor: withMfa(team.owner.actor),
        orgId: team.org.id,
        trustedMfaProviders: [],
      });
      expect(org.trustedMfaProviders).toEqual([]);
      const error = await busError(check());
      expect(error.extra.problem).toBe('mfa-required');
    });

    it('is set by owners only, and never so that it shuts out the owner making the change', async () => {
      const team = await make.team();
      const byAdmin = await busError(
        bus().send(TenancySubjects.updateOrg, {
          actor: withMfa(team.admin.actor),
          orgId: team.org.id,
          trustedMfaProviders: ['corp'],
        }),
      );
      expect(byAdmin.code).toBe(BusErrorCode.Forbidden);
      expect(byAdmin.extra.problem).toBeUndefined();

      // An owner signed in through `corp` may require two factors while trusting `corp`…
      const owner = via(team.owner.actor, 'corp');
      await expect(
        bus().send(TenancySubjects.updateOrg, {
          actor: owner,
          orgId: team.org.id,
          requireMfa: true,
          trustedMfaProviders: ['corp'],
        }),
      ).resolves.toMatchObject({ requireMfa: true, trustedMfaProviders: ['corp'] });
      // …but not stop trusting it (that would shut them out), which an owner with TOTP may.
      const lockout = await busError(
        bus().send(TenancySubjects.updateOrg, { actor: owner, orgId: team.org.id, trustedMfaProviders: [] }),
      );
      expect(lockout.code).toBe(BusErrorCode.Forbidden);
      expect(lockout.extra.problem).toBe('mfa-required');
      await expect(
        bus().send(TenancySubjects.updateOrg, {
          actor: withMfa(team.owner.actor),
          orgId: team.org.id,
          trustedMfaProviders: [],
        }),
      ).resolves.toMatchObject({ trustedMfaProviders: [] });
    });

    it('refuses provider ids that are not ids, repeated ids and overlong lists, naming the field', async () => {
      const team = await make.team();
      for (const trustedMfaProviders of [
        ['Not An Id'],
        ['a:b'],
        Array.from({ length: 17 }, (_, i) => `p${i}`),
      ]) {
        const error = await busError(
          bus().send(TenancySubjects.updateOrg, {
            actor: withMfa(team.owner.actor),
            orgId: team.org.id,
            trustedMfaProviders,
          }),
        );
        expect(error.code).toBe(BusErrorCode.ValidationFailed);
        expect(error.extra.errors?.map((e) => e.field)).toEqual(['trustedMfaProviders']);
      }
    });
  });
});
