import {
  BusErrorCode,
  TenancySubjects,
  type BusRequest,
  type BusSubject,
  type OrgWithRoleDto,
} from '@northstar/contracts';
import { adminActor, busError, uniqueSlug } from '@northstar/testing';
import { Fixtures, startTenancy, type Tenancy } from '../../test/harness';

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

describe('creating an organisation', () => {
  it('makes the caller its owner and answers id, name, slug and createdAt', async () => {
    const owner = make.user();
    const slug = uniqueSlug('acme');
    const org = await send(TenancySubjects.createOrg, { actor: owner.actor, name: '  Acme Inc ', slug });

    expect(org).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Acme Inc',
      slug,
      requireMfa: false,
      trustedMfaProviders: [],
      createdAt: expect.any(String),
    });
    expect(new Date(org.createdAt).toISOString()).toBe(org.createdAt);
    expect(await send(TenancySubjects.getOrg, { actor: owner.actor, orgId: org.id })).toEqual({
      ...org,
      role: 'owner',
    });
  });

  it('derives the slug from the name, and de-duplicates it', async () => {
    const name = `Café ${uniqueSlug('zz')} Olé!`;
    const expected = name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    const first = await send(TenancySubjects.createOrg, { actor: make.user().actor, name });
    const second = await send(TenancySubjects.createOrg, { actor: make.user().actor, name });
    const third = await send(TenancySubjects.createOrg, { actor: make.user().actor, name });

    expect([first.slug, second.slug, third.slug]).toEqual([expected, `${expected}-2`, `${expected}-3`]);
  });

  it('gives distinct slugs to organisations of the same name created at the same time', async () => {
    const name = `Race ${uniqueSlug('r')}`;
    const orgs = await Promise.all(
      Array.from({ length: 5 }, () => send(TenancySubjects.createOrg, { actor: make.user().actor, name })),
    );
    expect(new Set(orgs.map((org) => org.slug)).size).toBe(5);
  });

  it('answers conflict for a slug that is taken', async () => {
    const slug = uniqueSlug('taken');
    await send(TenancySubjects.createOrg, { actor: make.user().actor, name: 'First', slug });
    const error = await busError(
      send(TenancySubjects.createOrg, { actor: make.user().actor, name: 'Second', slug }),
    );
    expect(error.code).toBe(BusErrorCode.Conflict);
    expect(error.message).toContain(slug);
  });

  it('refuses a malformed slug, an empty name and an unknown field, naming the fields', async () => {
    const error = await busError(
      send(TenancySubjects.createOrg, {
        actor: make.user().actor,
        name: '   ',
        slug: 'Not A Slug',
        plan: 'pro',
      } as never),
    );
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(new Set(error.extra.errors?.map((e) => e.field))).toEqual(new Set(['name', 'slug', 'plan']));
  });
});

describe("listing the caller's organisations", () => {
  it('lists only the organisations the caller belongs to, each with the caller role, page by page', async () => {
    const user = make.user();
    const owned = [await make.org(user, 'One'), await make.org(user, 'Two')];
    const other = make.user();
    const joinedOrg = await make.org(other, 'Three');
    // `user` joins the third organisation as an admin.
    const invitation = await send(TenancySubjects.createInvitation, {
      actor: other.actor,
      orgId: joinedOrg.id,
      email: user.email,
      role: 'admin',
    });
    const token = await make.tokenFor(joinedOrg.id, user.email, invitation.id);
    await send(TenancySubjects.acceptInvitation, { actor: user.actor, token });
    await make.org(make.user(), 'Not mine');

    const first = await send(TenancySubjects.listOrgs, { actor: user.actor, limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await send(TenancySubjects.listOrgs, {
      actor: user.actor,
      limit: 2,
      cursor: first.nextCursor ?? undefined,
    });
    expect(second.nextCursor).toBeNull();

    const all: OrgWithRoleDto[] = [...first.items, ...second.items];
    expect(all).toEqual([
      { ...owned[0], role: 'owner' },
      { ...owned[1], role: 'owner' },
      { ...joinedOrg, role: 'admin' },
    ]);
  });

  it('answers an empty page to a user without organisations', async () => {
    expect(await send(TenancySubjects.listOrgs, { actor: make.user().actor })).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('refuses a cursor it did not issue', async () => {
    const error = await busError(
      send(TenancySubjects.listOrgs, { actor: make.user().actor, cursor: 'bm9wZQ' }),
    );
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors?.map((e) => e.field)).toEqual(['cursor']);
  });
});

describe('reading, changing and deleting an organisation', () => {
  it('renames it and changes its slug; a taken slug is a conflict', async () => {
    const team = await make.team();
    const taken = (await make.org(make.user())).slug;
    const slug = uniqueSlug('renamed');

    const updated = await send(TenancySubjects.updateOrg, {
      actor: team.admin.actor,
      orgId: team.org.id,
      name: 'Renamed',
      slug,
    });
    expect(updated).toEqual({ ...team.org, name: 'Renamed', slug, role: 'admin' });
    expect(
      await send(TenancySubjects.getOrg, { actor: team.viewer.actor, orgId: team.org.id }),
    ).toMatchObject({
      name: 'Renamed',
      slug,
      role: 'viewer',
    });

    const conflict = await busError(
      send(TenancySubjects.updateOrg, { actor: team.owner.actor, orgId: team.org.id, slug: taken }),
    );
    expect(conflict.code).toBe(BusErrorCode.Conflict);
  });

  it('deletes it with its projects (one durable event each), memberships and invitations', async () => {
    const team = await make.team();
    const projects = [
      await make.project(team.admin, team.org.id),
      await make.project(team.admin, team.org.id),
    ];
    const pending = make.user();
    await send(TenancySubjects.createInvitation, {
      actor: team.admin.actor,
      orgId: team.org.id,
      email: pending.email,
      role: 'member',
    });
    const token = await make.tokenFor(team.org.id, pending.email);

    expect(await send(TenancySubjects.deleteOrg, { actor: team.owner.actor, orgId: team.org.id })).toEqual({
      deleted: true,
    });

    for (const project of projects) {
      const event = await tenancy.projectsDeleted.find((e) => e.projectId === project.id);
      expect(event).toEqual({ projectId: project.id, orgId: team.org.id, deletedAt: expect.any(String) });
      const gone = await busError(
        send(TenancySubjects.getProject, { actor: team.owner.actor, projectId: project.id }),
      );
      expect(gone.code).toBe(BusErrorCode.NotFound);
    }
    for (const user of [team.owner, team.admin, team.viewer]) {
      const orgs = await send(TenancySubjects.listOrgs, { actor: user.actor });
      expect(orgs.items.map((org) => org.id)).not.toContain(team.org.id);
      const error = await busError(send(TenancySubjects.getOrg, { actor: user.actor, orgId: team.org.id }));
      expect(error.code).toBe(BusErrorCode.NotFound);
    }
    const invitation = await busError(
      send(TenancySubjects.acceptInvitation, { actor: pending.actor, token }),
    );
    expect(invitation.code).toBe(BusErrorCode.ValidationFailed);
    await expect(
      tenancy.accessChanged.find((e) => e.orgId === team.org.id && !e.userId),
    ).resolves.toBeDefined();
  });

  it('gives a platform admin no power over an organisation it is not a member of', async () => {
    const org = await make.org(make.user());
    const admin = adminActor();
    // One at a time: a rejection that arrived before its turn to be awaited would go unhandled.
    for (const attempt of [
      () => send(TenancySubjects.getOrg, { actor: admin, orgId: org.id }),
      () => send(TenancySubjects.updateOrg, { actor: admin, orgId: org.id, name: 'Hijacked' }),
      () => send(TenancySubjects.deleteOrg, { actor: admin, orgId: org.id }),
    ]) {
      expect((await busError(attempt())).code).toBe(BusErrorCode.NotFound);
    }
  });
});
