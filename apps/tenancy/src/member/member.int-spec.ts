import {
  BusErrorCode,
  TenancySubjects,
  type BusRequest,
  type BusSubject,
  type MemberDto,
} from '@northstar/contracts';
import { busError } from '@northstar/testing';
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

const send = <S extends BusSubject>(subject: S, request: BusRequest<S>) =>
  tenancy.client.bus.send(subject, request);

const setRole = (actor: TestUser, orgId: string, target: TestUser, role: MemberDto['role']) =>
  send(TenancySubjects.updateMember, { actor: actor.actor, orgId, userId: target.actor.userId, role });

const remove = (actor: TestUser, orgId: string, target: TestUser) =>
  send(TenancySubjects.removeMember, { actor: actor.actor, orgId, userId: target.actor.userId });

async function roles(orgId: string, asUser: TestUser): Promise<Record<string, string>> {
  const page = await send(TenancySubjects.listMembers, { actor: asUser.actor, orgId, limit: 200 });
  return Object.fromEntries(page.items.map((member) => [member.userId, member.role]));
}

describe('the members list', () => {
  it("shows each member's email and name from identity, with role and join time, page by page", async () => {
    const team = await make.team();
    const before = tenancy.identity.requests.length;

    const first = await send(TenancySubjects.listMembers, {
      actor: team.viewer.actor,
      orgId: team.org.id,
      limit: 3,
    });
    const second = await send(TenancySubjects.listMembers, {
      actor: team.viewer.actor,
      orgId: team.org.id,
      limit: 3,
      cursor: first.nextCursor ?? undefined,
    });

    const expected = (
      [
        [team.owner, 'owner'],
        [team.admin, 'admin'],
        [team.member, 'member'],
        [team.viewer, 'viewer'],
      ] as const
    ).map(([user, role]) => ({
      userId: user.actor.userId,
      email: user.email,
      name: user.name,
      role,
      joinedAt: expect.any(String),
    }));
    expect(first.items).toEqual(expected.slice(0, 3));
    expect(second).toEqual({ items: expected.slice(3), nextCursor: null });
    // One identity request per page, with the ids of that page only.
    expect(tenancy.identity.requests.slice(before)).toEqual([
      { userIds: expected.slice(0, 3).map((member) => member.userId) },
      { userIds: [team.viewer.actor.userId] },
    ]);
  });

  it('shows a member whose account identity no longer knows with a null email and name', async () => {
    const team = await make.team();
    tenancy.identity.users.delete(team.member.actor.userId);
    const page = await send(TenancySubjects.listMembers, { actor: team.owner.actor, orgId: team.org.id });
    expect(page.items.find((member) => member.userId === team.member.actor.userId)).toMatchObject({
      email: null,
      name: null,
      role: 'member',
    });
  });
});

describe('changing roles', () => {
  it('lets an admin change the roles of admins, members and viewers', async () => {
    const team = await make.team();
    expect(await setRole(team.admin, team.org.id, team.viewer, 'member')).toEqual({
      orgId: team.org.id,
      userId: team.viewer.actor.userId,
      role: 'member',
      joinedAt: expect.any(String),
    });
    await setRole(team.admin, team.org.id, team.member, 'admin');
    expect(await roles(team.org.id, team.owner)).toMatchObject({
      [team.viewer.actor.userId]: 'member',
      [team.member.actor.userId]: 'admin',
    });
  });

  it('lets only an owner grant or remove the owner role', async () => {
    const team = await make.team();
    const grant = await busError(setRole(team.admin, team.org.id, team.member, 'owner'));
    expect(grant.code).toBe(BusErrorCode.Forbidden);
    expect(grant.message).toMatch(/owner/);
    const self = await busError(setRole(team.admin, team.org.id, team.admin, 'owner'));
    expect(self.code).toBe(BusErrorCode.Forbidden);

    await setRole(team.owner, team.org.id, team.member, 'owner');
    const demote = await busError(setRole(team.admin, team.org.id, team.member, 'viewer'));
    expect(demote.code).toBe(BusErrorCode.Forbidden);
    await setRole(team.owner, team.org.id, team.member, 'viewer');
    expect((await roles(team.org.id, team.owner))[team.member.actor.userId]).toBe('viewer');
  });

  it('refuses members and viewers', async () => {
    const team = await make.team();
    for (const actor of [team.member, team.viewer]) {
      const error = await busError(setRole(actor, team.org.id, team.viewer, 'admin'));
      expect(error.code).toBe(BusErrorCode.Forbidden);
    }
    expect((await roles(team.org.id, team.owner))[team.viewer.actor.userId]).toBe('viewer');
  });

  it('answers not_found for a user who is not a member', async () => {
    const team = await make.team();
    const error = await busError(setRole(team.owner, team.org.id, team.outsider, 'admin'));
    expect(error.code).toBe(BusErrorCode.NotFound);
  });

  it('refuses to demote the last owner', async () => {
    const team = await make.team();
    const error = await busError(setRole(team.owner, team.org.id, team.owner, 'admin'));
    expect(error.code).toBe(BusErrorCode.Conflict);
    expect(error.message).toMatch(/owner/);
    expect((await roles(team.org.id, team.owner))[team.owner.actor.userId]).toBe('owner');
  });

  it('keeps one owner when two owners demote each other at the same time', async () => {
    for (let round = 0; round < 5; round++) {
      const team = await make.team();
      await setRole(team.owner, team.org.id, team.admin, 'owner');

      const outcomes = await Promise.allSettled([
        setRole(team.owner, team.org.id, team.admin, 'admin'),
        setRole(team.admin, team.org.id, team.owner, 'admin'),
      ]);

      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const owners = Object.values(await roles(team.org.id, team.member)).filter((role) => role === 'owner');
      expect(owners).toHaveLength(1);
    }
  });
});

describe('removing members', () => {
  it('lets an admin remove a member, who then loses access', async () => {
    const team = await make.team();
    expect(await remove(team.admin, team.org.id, team.member)).toEqual({ deleted: true });
    expect(Object.keys(await roles(team.org.id, team.owner))).not.toContain(team.member.actor.userId);
    const error = await busError(
      send(TenancySubjects.getOrg, { actor: team.member.actor, orgId: team.org.id }),
    );
    expect(error.code).toBe(BusErrorCode.NotFound);
  });

  it('lets any member leave, and nobody below admin remove others', async () => {
    const team = await make.team();
    for (const actor of [team.member, team.viewer]) {
      const error = await busError(remove(actor, team.org.id, team.admin));
      expect(error.code).toBe(BusErrorCode.Forbidden);
    }
    await remove(team.viewer, team.org.id, team.viewer);
    await remove(team.member, team.org.id, team.member);
    expect(Object.values(await roles(team.org.id, team.owner)).sort()).toEqual(['admin', 'owner']);
  });

  it('lets only an owner remove an owner', async () => {
    const team = await make.team();
    await setRole(team.owner, team.org.id, team.member, 'owner');
    const error = await busError(remove(team.admin, team.org.id, team.member));
    expect(error.code).toBe(BusErrorCode.Forbidden);
    await remove(team.owner, team.org.id, team.member);
    expect(Object.keys(await roles(team.org.id, team.owner))).not.toContain(team.member.actor.userId);
  });

  it('refuses to let the last owner leave', async () => {
    const team = await make.team();
    const error = await busError(remove(team.owner, team.org.id, team.owner));
    expect(error.code).toBe(BusErrorCode.Conflict);
    expect((await roles(team.org.id, team.owner))[team.owner.actor.userId]).toBe('owner');
  });

  it('keeps one owner when two owners leave at the same time', async () => {
    for (let round = 0; round < 5; round++) {
      const team = await make.team();
      await setRole(team.owner, team.org.id, team.admin, 'owner');

      const outcomes = await Promise.allSettled([
        remove(team.owner, team.org.id, team.owner),
        remove(team.admin, team.org.id, team.admin),
      ]);

      const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      expect(refused).toEqual([expect.objectContaining({ code: BusErrorCode.Conflict })]);
      const owners = Object.values(await roles(team.org.id, team.member)).filter((role) => role === 'owner');
      expect(owners).toHaveLength(1);
    }
  });

  it('answers not_found when removing someone who is not a member', async () => {
    const team = await make.team();
    const error = await busError(remove(team.owner, team.org.id, team.outsider));
    expect(error.code).toBe(BusErrorCode.NotFound);
  });
});
