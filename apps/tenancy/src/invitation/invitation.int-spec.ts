import { MikroORM } from '@mikro-orm/postgresql';
import {
  BusErrorCode,
  INVITATION_TTL_SECONDS,
  TenancySubjects,
  type BusRequest,
  type BusSubject,
} from '@northstar/contracts';
import { busError, openEventToken } from '@northstar/testing';
import { createHash } from 'node:crypto';
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

const invite = (
  actor: TestUser,
  orgId: string,
  email: string,
  role: 'owner' | 'admin' | 'member' | 'viewer' = 'member',
) => send(TenancySubjects.createInvitation, { actor: actor.actor, orgId, email, role });

const accept = (actor: TestUser, token: string) =>
  send(TenancySubjects.acceptInvitation, { actor: actor.actor, token });

/** Runs SQL on tenancy's own schema, to stand in for the passing of time. */
async function sql(query: string, params: unknown[]): Promise<unknown[]> {
  const em = tenancy.service.app.get(MikroORM).em.fork();
  return em.getConnection().execute(query, params);
}

describe('inviting', () => {
  it('publishes a durable event with a single-use token, and stores only its hash', async () => {
    const team = await make.team();
    const guest = make.user();
    const invitation = await invite(team.admin, team.org.id, `  ${guest.email.toUpperCase()} `, 'viewer');

    expect(invitation).toEqual({
      id: expect.any(String),
      orgId: team.org.id,
      email: guest.email,
      role: 'viewer',
      invitedBy: team.admin.actor.userId,
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const ttl = Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt);
    expect(ttl).toBe(INVITATION_TTL_SECONDS * 1000);

    const event = await tenancy.invitationsCreated.find((e) => e.invitationId === invitation.id);
    expect(event).toEqual({
      invitationId: invitation.id,
      orgId: team.org.id,
      orgName: team.org.name,
      email: guest.email,
      role: 'viewer',
      invitedByName: team.admin.name,
      // Sealed: a reader of the stream finds no usable token.
      token: expect.stringMatching(/^enc:v1:[A-Za-z0-9_-]+$/),
      expiresAt: invitation.expiresAt,
    });
    const token = openEventToken(event.token);
    expect(token).toMatch(/^nsi_[A-Za-z0-9_-]{43}$/);
    const [row] = (await sql('select * from tenancy.invitations where id = ?', [invitation.id])) as Record<
      string,
      unknown
    >[];
    expect(row['token_hash']).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('lets admins and owners invite; only an owner invites an owner', async () => {
    const team = await make.team();
    await expect(invite(team.owner, team.org.id, make.user().email, 'owner')).resolves.toMatchObject({
      role: 'owner',
    });
    await expect(invite(team.admin, team.org.id, make.user().email, 'admin')).resolves.toMatchObject({
      role: 'admin',
    });
    const ownerByAdmin = await busError(invite(team.admin, team.org.id, make.user().email, 'owner'));
    expect(ownerByAdmin.code).toBe(BusErrorCode.Forbidden);
    for (const actor of [team.member, team.viewer]) {
      expect((await busError(invite(actor, team.org.id, make.user().email))).code).toBe(
        BusErrorCode.Forbidden,
      );
    }
    expect((await busError(invite(team.outsider, team.org.id, make.user().email))).code).toBe(
      BusErrorCode.NotFound,
    );
  });

  it('refuses an inviter whose own email is not verified yet, as email-not-verified', async () => {
    const owner = make.user({ emailVerified: false });
    const org = await make.org(owner);
    const guest = make.user();

    const error = await busError(invite(owner, org.id, guest.email));
    expect(error.code).toBe(BusErrorCode.Forbidden);
    expect(error.extra.problem).toBe('email-not-verified');
    // Nothing was sent: no pending invitation, no email.
    const pending = await send(TenancySubjects.listInvitations, { actor: owner.actor, orgId: org.id });
    expect(pending.items).toEqual([]);

    tenancy.identity.users.set(owner.actor.userId, {
      id: owner.actor.userId,
      email: owner.email,
      name: owner.name,
      emailVerified: true,
    });
    await expect(invite(owner, org.id, guest.email)).resolves.toMatchObject({ email: guest.email });
    // A stranger still learns nothing, verified or not.
    const stranger = make.user({ emailVerified: false });
    expect((await busError(invite(stranger, org.id, guest.email))).code).toBe(BusErrorCode.NotFound);
  });

  it('refuses a malformed email or role, naming the fields', async () => {
    const team = await make.team();
    const error = await busError(
      send(TenancySubjects.createInvitation, {
        actor: team.owner.actor,
        orgId: team.org.id,
        email: 'not-an-email',
        role: 'superuser',
      } as never),
    );
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(new Set(error.extra.errors?.map((e) => e.field))).toEqual(new Set(['email', 'role']));
  });

  it('lists pending invitations only, to admins and owners', async () => {
    const team = await make.team();
    const [a, b, c] = [make.user(), make.user(), make.user()];
    const first = await invite(team.admin, team.org.id, a.email);
    const second = await invite(team.admin, team.org.id, b.email);
    const accepted = await invite(team.admin, team.org.id, c.email);
    await accept(c, await make.tokenFor(team.org.id, c.email, accepted.id));

    const page1 = await send(TenancySubjects.listInvitations, {
      actor: team.owner.actor,
      orgId: team.org.id,
      limit: 1,
    });
    const page2 = await send(TenancySubjects.listInvitations, {
      actor: team.admin.actor,
      orgId: team.org.id,
      limit: 1,
      cursor: page1.nextCursor ?? undefined,
    });
    const ids = [...page1.items, ...page2.items].map((invitation) => invitation.id);
    // The team's own (accepted) invitations are not pending either.
    expect(ids).toEqual([first.id, second.id]);
    expect(page2.nextCursor).toBeNull();

    // An expired invitation is not pending any more.
    await sql(`update tenancy.invitations set expires_at = now() - interval '1 second' where id = ?`, [
      first.id,
    ]);
    const after = await send(TenancySubjects.listInvitations, {
      actor: team.admin.actor,
      orgId: team.org.id,
    });
    expect(after.items.map((invitation) => invitation.id)).toEqual([second.id]);

    for (const actor of [team.member, team.viewer]) {
      const error = await busError(
        send(TenancySubjects.listInvitations, { actor: actor.actor, orgId: team.org.id }),
      );
      expect(error.code).toBe(BusErrorCode.Forbidden);
    }
  });

  it('replaces the open invitation of an address invited again: only the newest token works', async () => {
    const team = await make.team();
    const guest = make.user();
    const old = await invite(team.admin, team.org.id, guest.email, 'viewer');
    const oldToken = await make.tokenFor(team.org.id, guest.email, old.id);
    const renewed = await invite(team.admin, team.org.id, guest.email, 'member');
    const newToken = await make.tokenFor(team.org.id, guest.email, renewed.id);

    const pending = await send(TenancySubjects.listInvitations, {
      actor: team.admin.actor,
      orgId: team.org.id,
    });
    expect(pending.items.map((invitation) => invitation.id)).toEqual([renewed.id]);
    expect((await busError(accept(guest, oldToken))).code).toBe(BusErrorCode.ValidationFailed);
    await expect(accept(guest, newToken)).resolves.toMatchObject({ role: 'member' });
  });
});

describe('revoking', () => {
  const revoke = (actor: TestUser, orgId: string, invitationId: string) =>
    send(TenancySubjects.revokeInvitation, { actor: actor.actor, orgId, invitationId });

  it('lets an admin withdraw a pending invitation: its link stops working and it leaves the list', async () => {
    const team = await make.team();
    const guest = make.user();
    const invitation = await invite(team.admin, team.org.id, guest.email, 'viewer');
    const token = await make.tokenFor(team.org.id, guest.email, invitation.id);

    await expect(revoke(team.admin, team.org.id, invitation.id)).resolves.toEqual({ deleted: true });
    const pending = await send(TenancySubjects.listInvitations, {
      actor: team.admin.actor,
      orgId: team.org.id,
    });
    expect(pending.items.map((each) => each.id)).not.toContain(invitation.id);
    expect((await busError(accept(guest, token))).code).toBe(BusErrorCode.ValidationFailed);
    // Gone is gone: a second revocation finds nothing.
    expect((await busError(revoke(team.admin, team.org.id, invitation.id))).code).toBe(BusErrorCode.NotFound);
  });

  it("refuses members below admin, and another organisation's admin finds nothing", async () => {
    const team = await make.team();
    const other = await make.team();
    const invitation = await invite(team.admin, team.org.id, make.user().email);

    expect((await busError(revoke(team.member, team.org.id, invitation.id))).code).toBe(
      BusErrorCode.Forbidden,
    );
    expect((await busError(revoke(other.admin, team.org.id, invitation.id))).code).toBe(
      BusErrorCode.NotFound,
    );
    expect((await busError(revoke(other.admin, other.org.id, invitation.id))).code).toBe(
      BusErrorCode.NotFound,
    );
    await expect(revoke(team.owner, team.org.id, invitation.id)).resolves.toEqual({ deleted: true });
  });
});

describe('accepting', () => {
  it('makes the invited user a member with the invited role, once', async () => {
    const team = await make.team();
    const guest = make.user();
    const invitation = await invite(team.admin, team.org.id, guest.email, 'admin');
    const token = await make.tokenFor(team.org.id, guest.email, invitation.id);

    const membership = await accept(guest, token);
    expect(membership).toEqual({
      orgId: team.org.id,
      userId: guest.actor.userId,
      role: 'admin',
      joinedAt: expect.any(String),
    });
    await expect(
      send(TenancySubjects.getOrg, { actor: guest.actor, orgId: team.org.id }),
    ).resolves.toMatchObject({
      role: 'admin',
    });

    const again = await busError(accept(guest, token));
    expect(again.code).toBe(BusErrorCode.ValidationFailed);
    expect(again.extra.errors).toEqual([
      { field: 'token', message: expect.stringMatching(/invalid|used|expired/) },
    ]);
  });

  it('accepts a token only once even when presented twice at the same time', async () => {
    const team = await make.team();
    const guest = make.user();
    const invitation = await invite(team.admin, team.org.id, guest.email);
    const token = await make.tokenFor(team.org.id, guest.email, invitation.id);

    const outcomes = await Promise.allSettled([accept(guest, token), accept(guest, token)]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a user signed in with another address, and leaves the invitation usable', async () => {
    const team = await make.team();
    const guest = make.user();
    const stranger = make.user();
    const invitation = await invite(team.admin, team.org.id, guest.email);
    const token = await make.tokenFor(team.org.id, guest.email, invitation.id);

    const error = await busError(accept(stranger, token));
    expect(error.code).toBe(BusErrorCode.Forbidden);
    expect(error.message).toMatch(/another email address/);
    expect(
      (await busError(send(TenancySubjects.getOrg, { actor: stranger.actor, orgId: team.org.id }))).code,
    ).toBe(BusErrorCode.NotFound);
    await expect(accept(guest, token)).resolves.toMatchObject({ userId: guest.actor.userId });
  });

  it('refuses an address that is not verified yet, until it is', async () => {
    const team = await make.team();
    const guest = make.user({ emailVerified: false });
    const invitation = await invite(team.admin, team.org.id, guest.email);
    const token = await make.tokenFor(team.org.id, guest.email, invitation.id);

    const error = await busError(accept(guest, token));
    expect(error.code).toBe(BusErrorCode.Forbidden);
    expect(error.message).toMatch(/[Vv]erify your email/);

    tenancy.identity.users.set(guest.actor.userId, {
      id: guest.actor.userId,
      email: guest.email,
      name: guest.name,
      emailVerified: true,
    });
    await expect(accept(guest, token)).resolves.toMatchObject({ userId: guest.actor.userId });
  });

  it('refuses an expired token and an unknown one', async () => {
    const team = await make.team();
    const guest = make.user();
    const invitation = await invite(team.admin, team.org.id, guest.email);
    const token = await make.tokenFor(team.org.id, guest.email, invitation.id);
    await sql(`update tenancy.invitations set expires_at = now() - interval '1 second' where id = ?`, [
      invitation.id,
    ]);

    expect((await busError(accept(guest, token))).code).toBe(BusErrorCode.ValidationFailed);
    expect((await busError(accept(guest, `${token}x`))).code).toBe(BusErrorCode.ValidationFailed);
    expect((await busError(accept(guest, 'nsi_nope'))).code).toBe(BusErrorCode.ValidationFailed);
  });

  it('answers conflict to someone who is already a member', async () => {
    const team = await make.team();
    const invitation = await invite(team.owner, team.org.id, team.viewer.email, 'admin');
    const token = await make.tokenFor(team.org.id, team.viewer.email, invitation.id);
    const error = await busError(accept(team.viewer, token));
    expect(error.code).toBe(BusErrorCode.Conflict);
  });
});
