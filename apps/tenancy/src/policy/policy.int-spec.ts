import { BusErrorCode, DomainException, TenancySubjects, type OrgRole } from '@northstar/contracts';
import { busError } from '@northstar/testing';
import { Fixtures, startTenancy, type Tenancy, type Team, type TestUser } from '../../test/harness';

// Every subject of tenancy, tried by a viewer, a member, an admin and an owner of the organisation and
// by the owner of another organisation: each member is allowed or refused exactly as API.md's Tenancy
// table says, and the stranger is told the object does not exist.

let tenancy: Tenancy;
let make: Fixtures;

beforeAll(async () => {
  tenancy = await startTenancy();
  make = new Fixtures(tenancy);
});

afterAll(async () => {
  await tenancy?.close();
});

interface Operation {
  subject: string;
  /** The weakest role allowed, per API.md. */
  weakest: OrgRole;
  /** Prepares what one attempt needs (a fresh target for a destructive operation), then returns the attempt. */
  attempt(team: Team & { projectId: string }, actor: TestUser): Promise<() => Promise<unknown>>;
}

const bus = () => tenancy.client.bus;

const OPERATIONS: Operation[] = [
  {
    subject: TenancySubjects.getOrg,
    weakest: 'viewer',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.getOrg, { actor: actor.actor, orgId: team.org.id }),
  },
  {
    subject: TenancySubjects.updateOrg,
    weakest: 'admin',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.updateOrg, { actor: actor.actor, orgId: team.org.id, name: 'Renamed' }),
  },
  {
    subject: TenancySubjects.listMembers,
    weakest: 'viewer',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.listMembers, { actor: actor.actor, orgId: team.org.id }),
  },
  {
    subject: TenancySubjects.updateMember,
    weakest: 'admin',
    attempt: async (team, actor) => {
      const target = await make.member(team.org.id, team.owner, 'viewer');
      return () =>
        bus().send(TenancySubjects.updateMember, {
          actor: actor.actor,
          orgId: team.org.id,
          userId: target.actor.userId,
          role: 'member',
        });
    },
  },
  {
    subject: TenancySubjects.removeMember,
    weakest: 'admin',
    attempt: async (team, actor) => {
      const target = await make.member(team.org.id, team.owner, 'viewer');
      return () =>
        bus().send(TenancySubjects.removeMember, {
          actor: actor.actor,
          orgId: team.org.id,
          userId: target.actor.userId,
        });
    },
  },
  {
    subject: TenancySubjects.createInvitation,
    weakest: 'admin',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.createInvitation, {
        actor: actor.actor,
        orgId: team.org.id,
        email: make.user().email,
        role: 'viewer',
      }),
  },
  {
    subject: TenancySubjects.listInvitations,
    weakest: 'admin',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.listInvitations, { actor: actor.actor, orgId: team.org.id }),
  },
  {
    subject: TenancySubjects.createProject,
    weakest: 'admin',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.createProject, {
        actor: actor.actor,
        orgId: team.org.id,
        name: 'P',
        kind: 'web2',
      }),
  },
  {
    subject: TenancySubjects.listProjects,
    weakest: 'viewer',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.listProjects, { actor: actor.actor, orgId: team.org.id }),
  },
  {
    subject: TenancySubjects.getProject,
    weakest: 'viewer',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.getProject, { actor: actor.actor, projectId: team.projectId }),
  },
  {
    subject: TenancySubjects.updateProject,
    weakest: 'admin',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.updateProject, {
        actor: actor.actor,
        projectId: team.projectId,
        name: 'Renamed',
      }),
  },
  {
    subject: TenancySubjects.deleteProject,
    weakest: 'admin',
    attempt: async (team, actor) => {
      const project = await make.project(team.owner, team.org.id);
      return () => bus().send(TenancySubjects.deleteProject, { actor: actor.actor, projectId: project.id });
    },
  },
  // Last: the owner's attempt deletes the organisation.
  {
    subject: TenancySubjects.deleteOrg,
    weakest: 'owner',
    attempt: async (team, actor) => () =>
      bus().send(TenancySubjects.deleteOrg, { actor: actor.actor, orgId: team.org.id }),
  },
];

const ROLES_WEAKEST_FIRST: OrgRole[] = ['viewer', 'member', 'admin', 'owner'];
const allows = (role: OrgRole, weakest: OrgRole) =>
  ROLES_WEAKEST_FIRST.indexOf(role) >= ROLES_WEAKEST_FIRST.indexOf(weakest);

async function outcome(run: () => Promise<unknown>): Promise<'allowed' | BusErrorCode> {
  try {
    await run();
    return 'allowed';
  } catch (error) {
    if (error instanceof DomainException) return error.code;
    throw error;
  }
}

describe.each(OPERATIONS.map((operation) => [operation.subject, operation] as const))(
  '%s',
  (_subject, operation) => {
    it(`is allowed from ${operation.weakest} up, refused below, invisible to other organisations`, async () => {
      const team = await make.team();
      const projectId = (await make.project(team.owner, team.org.id)).id;
      const context = { ...team, projectId };

      const outcomes: Record<string, string> = {};
      const expected: Record<string, string> = {};
      outcomes['other organisation'] = await outcome(await operation.attempt(context, team.outsider));
      expected['other organisation'] = BusErrorCode.NotFound;
      for (const role of ROLES_WEAKEST_FIRST) {
        outcomes[role] = await outcome(await operation.attempt(context, team[role]));
        expected[role] = allows(role, operation.weakest) ? 'allowed' : BusErrorCode.Forbidden;
      }
      expect(outcomes).toEqual(expected);
    });
  },
);

describe('objects of another organisation', () => {
  it('are not_found on every subject, even for an owner elsewhere with a valid id', async () => {
    const team = await make.team();
    const project = await make.project(team.owner, team.org.id);
    const stranger = team.outsider.actor;
    const attempts: Promise<unknown>[] = [
      bus().send(TenancySubjects.getOrg, { actor: stranger, orgId: team.org.id }),
      bus().send(TenancySubjects.updateOrg, { actor: stranger, orgId: team.org.id, name: 'x' }),
      bus().send(TenancySubjects.deleteOrg, { actor: stranger, orgId: team.org.id }),
      bus().send(TenancySubjects.listMembers, { actor: stranger, orgId: team.org.id }),
      bus().send(TenancySubjects.updateMember, {
        actor: stranger,
        orgId: team.org.id,
        userId: team.viewer.actor.userId,
        role: 'admin',
      }),
      bus().send(TenancySubjects.removeMember, {
        actor: stranger,
        orgId: team.org.id,
        userId: team.viewer.actor.userId,
      }),
      bus().send(TenancySubjects.createInvitation, {
        actor: stranger,
        orgId: team.org.id,
        email: team.outsider.email,
        role: 'owner',
      }),
      bus().send(TenancySubjects.listInvitations, { actor: stranger, orgId: team.org.id }),
      bus().send(TenancySubjects.createProject, {
        actor: stranger,
        orgId: team.org.id,
        name: 'x',
        kind: 'web2',
      }),
      bus().send(TenancySubjects.listProjects, { actor: stranger, orgId: team.org.id }),
      bus().send(TenancySubjects.getProject, { actor: stranger, projectId: project.id }),
      bus().send(TenancySubjects.updateProject, { actor: stranger, projectId: project.id, name: 'x' }),
      bus().send(TenancySubjects.deleteProject, { actor: stranger, projectId: project.id }),
      bus().send(TenancySubjects.checkAccess, {
        actor: stranger,
        projectId: project.id,
        permission: 'projects:read',
      }),
      bus().send(TenancySubjects.checkAccess, {
        actor: stranger,
        orgId: team.org.id,
        permission: 'org:read',
      }),
    ];
    const codes = await Promise.all(attempts.map(async (attempt) => (await busError(attempt)).code));
    expect(codes).toEqual(attempts.map(() => BusErrorCode.NotFound));
    // Nothing changed: the organisation, its viewer and its project are all still there.
    await expect(
      bus().send(TenancySubjects.getProject, { actor: team.viewer.actor, projectId: project.id }),
    ).resolves.toMatchObject({
      id: project.id,
    });
  });
});
