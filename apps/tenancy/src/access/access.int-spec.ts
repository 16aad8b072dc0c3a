import { MikroORM } from '@mikro-orm/postgresql';
import {
  BusErrorCode,
  TenancySubjects,
  type CheckAccessRequest,
  type Permission,
} from '@northstar/contracts';
import { adminActor, busError } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { Fixtures, startTenancy, type Tenancy, type TestUser } from '../../test/harness';

let tenancy: Tenancy;
let make: Fixtures;

beforeAll(async () => {
  tenancy = await startTenancy();
  make = new Fixtures(tenancy);
});

afterAll(async () => {
  await tenancy?.close();
});

const check = (request: CheckAccessRequest) => tenancy.client.bus.send(TenancySubjects.checkAccess, request);
const onProject = (user: TestUser, projectId: string, permission: Permission) =>
  check({ actor: user.actor, projectId, permission });

/**
 * Changes the database behind the service's back. Only to prove that answers come from the cache:
 * real changes go through tenancy's subjects, which invalidate it.
 */
async function sql(query: string, params: unknown[]): Promise<void> {
  await tenancy.service.app.get(MikroORM).em.fork().getConnection().execute(query, params);
}

describe('checking access', () => {
  it("grants by project and by organisation with the member's role", async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);

    expect(await onProject(team.viewer, project.id, 'analytics:read')).toEqual({
      orgId: team.org.id,
      projectId: project.id,
      role: 'viewer',
      timezone: 'UTC',
    });
    expect(await check({ actor: team.admin.actor, orgId: team.org.id, permission: 'keys:manage' })).toEqual({
      orgId: team.org.id,
      role: 'admin',
    });
  });

  it("tells the project's time zone, for analytics to bucket days in it", async () => {
    const team = await make.team();
    const project = await tenancy.client.bus.send(TenancySubjects.createProject, {
      actor: team.admin.actor,
      orgId: team.org.id,
      name: 'Paris shop',
      kind: 'web2',
      timezone: 'Europe/Paris',
    });
    // Twice: the second answer comes from the cache and must carry the zone too.
    for (let i = 0; i < 2; i++) {
      expect(await onProject(team.viewer, project.id, 'analytics:read')).toMatchObject({
        projectId: project.id,
        timezone: 'Europe/Paris',
      });
    }
  });

  it('refuses a member whose role lacks the permission with forbidden', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    for (const [user, permission] of [
      [team.viewer, 'keys:manage'],
      [team.member, 'alerts:manage'],
      [team.admin, 'org:delete'],
    ] as const) {
      const error = await busError(onProject(user, project.id, permission));
      expect(error.code).toBe(BusErrorCode.Forbidden);
    }
  });

  it('answers not_found to non-members, platform admins included, and for unknown projects', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    for (const request of [
      { actor: team.outsider.actor, projectId: project.id, permission: 'analytics:read' },
      { actor: adminActor(), projectId: project.id, permission: 'analytics:read' },
      { actor: adminActor(), orgId: team.org.id, permission: 'org:read' },
      { actor: team.owner.actor, projectId: randomUUID(), permission: 'analytics:read' },
      { actor: team.owner.actor, orgId: randomUUID(), permission: 'org:read' },
    ] as CheckAccessRequest[]) {
      expect((await busError(check(request))).code).toBe(BusErrorCode.NotFound);
    }
  });

  it('requires exactly one of projectId and orgId, and a known permission', async () => {
    const team = await make.team();
    const neither = await busError(check({ actor: team.owner.actor, permission: 'org:read' }));
    expect(neither.code).toBe(BusErrorCode.ValidationFailed);
    expect(new Set(neither.extra.errors?.map((e) => e.field))).toEqual(new Set(['projectId', 'orgId']));

    const both = await busError(
      check({ actor: team.owner.actor, orgId: team.org.id, projectId: randomUUID(), permission: 'org:read' }),
    );
    expect(both.code).toBe(BusErrorCode.ValidationFailed);

    const unknown = await busError(
      check({ actor: team.owner.actor, orgId: team.org.id, permission: 'org:own' as Permission }),
    );
    expect(unknown.extra.errors?.map((e) => e.field)).toEqual(['permission']);
  });
});

describe('the access cache', () => {
  it('serves repeated checks from the cache', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    await onProject(team.viewer, project.id, 'analytics:read');

    // Not through tenancy: nothing invalidates the cache, so the cached role still answers.
    await sql('update tenancy.memberships set role = ? where org_id = ? and user_id = ?', [
      'admin',
      team.org.id,
      team.viewer.actor.userId,
    ]);
    expect(await onProject(team.viewer, project.id, 'analytics:read')).toMatchObject({ role: 'viewer' });
  });

  it('forgets a role as soon as it changes, and broadcasts the change', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    expect((await busError(onProject(team.viewer, project.id, 'keys:manage'))).code).toBe(
      BusErrorCode.Forbidden,
    );

    await tenancy.client.bus.send(TenancySubjects.updateMember, {
      actor: team.owner.actor,
      orgId: team.org.id,
      userId: team.viewer.actor.userId,
      role: 'admin',
    });

    expect(await onProject(team.viewer, project.id, 'keys:manage')).toMatchObject({ role: 'admin' });
    await expect(
      tenancy.accessChanged.find((e) => e.orgId === team.org.id && e.userId === team.viewer.actor.userId),
    ).resolves.toEqual({ orgId: team.org.id, userId: team.viewer.actor.userId });
  });

  it('forgets a member who is removed or leaves', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    await onProject(team.member, project.id, 'analytics:read');
    await onProject(team.viewer, project.id, 'analytics:read');

    await tenancy.client.bus.send(TenancySubjects.removeMember, {
      actor: team.admin.actor,
      orgId: team.org.id,
      userId: team.member.actor.userId,
    });
    await tenancy.client.bus.send(TenancySubjects.removeMember, {
      actor: team.viewer.actor,
      orgId: team.org.id,
      userId: team.viewer.actor.userId,
    });

    for (const user of [team.member, team.viewer]) {
      expect((await busError(onProject(user, project.id, 'analytics:read'))).code).toBe(
        BusErrorCode.NotFound,
      );
    }
  });

  it('knows a new member as soon as the invitation is accepted', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    const guest = make.user();
    expect((await busError(onProject(guest, project.id, 'analytics:read'))).code).toBe(BusErrorCode.NotFound);

    const invitation = await tenancy.client.bus.send(TenancySubjects.createInvitation, {
      actor: team.admin.actor,
      orgId: team.org.id,
      email: guest.email,
      role: 'member',
    });
    const token = await make.tokenFor(team.org.id, guest.email, invitation.id);
    await tenancy.client.bus.send(TenancySubjects.acceptInvitation, { actor: guest.actor, token });

    expect(await onProject(guest, project.id, 'analytics:read')).toMatchObject({ role: 'member' });
  });

  it('forgets a deleted project at once', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    await onProject(team.viewer, project.id, 'analytics:read');

    await tenancy.client.bus.send(TenancySubjects.deleteProject, {
      actor: team.admin.actor,
      projectId: project.id,
    });

    expect((await busError(onProject(team.viewer, project.id, 'analytics:read'))).code).toBe(
      BusErrorCode.NotFound,
    );
    await expect(tenancy.accessChanged.find((e) => e.projectId === project.id)).resolves.toEqual({
      orgId: team.org.id,
      projectId: project.id,
    });
  });

  it('forgets every member and project of a deleted organisation at once', async () => {
    const team = await make.team();
    const project = await make.project(team.admin, team.org.id);
    await onProject(team.owner, project.id, 'analytics:read');
    await check({ actor: team.viewer.actor, orgId: team.org.id, permission: 'org:read' });

    await tenancy.client.bus.send(TenancySubjects.deleteOrg, { actor: team.owner.actor, orgId: team.org.id });

    expect((await busError(onProject(team.owner, project.id, 'analytics:read'))).code).toBe(
      BusErrorCode.NotFound,
    );
    const byOrg = await busError(
      check({ actor: team.viewer.actor, orgId: team.org.id, permission: 'org:read' }),
    );
    expect(byOrg.code).toBe(BusErrorCode.NotFound);
  });
});
