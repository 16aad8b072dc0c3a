import { ACCESS_TOKEN, BusErrorCode, IdentitySubjects, type SessionPrincipal } from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import { busError, connectTestBus, startTestService, type TestBus } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { verify } from 'jsonwebtoken';
import { asSession, client, newAccount, PASSWORD, type TestAccount } from '../../test/identity-testing';
import { identityService } from '../identity.service-definition';

const JWT_SECRET = `int-spec-secret-${randomUUID()}`;

let service: RunningService;
let bus: TestBus;

beforeAll(async () => {
  service = await startTestService(identityService, { JWT_SECRET });
  bus = await connectTestBus();
});

afterAll(async () => {
  await bus?.close();
  await service?.close();
});

/** Who the gateway would say is calling, from the account's access token. */
function principalOf(accessToken: string): SessionPrincipal {
  const claims = verify(accessToken, JWT_SECRET, {
    algorithms: [ACCESS_TOKEN.algorithm],
    audience: ACCESS_TOKEN.audience,
  }) as { sub: string; sid: string };
  return { userId: claims.sub, sessionId: claims.sid };
}

const principal = (account: TestAccount) => principalOf(account.login.accessToken);
const login = async (account: TestAccount, userAgent = 'identity-int-spec/1.0') =>
  asSession(
    await bus.bus.send(IdentitySubjects.login, {
      email: account.email,
      password: account.password,
      client: client({ userAgent }),
    }),
  );
const sessionsOf = (p: SessionPrincipal, page: { limit?: number; cursor?: string } = {}) =>
  bus.bus.send(IdentitySubjects.listSessions, { principal: p, ...page });

describe('the account of the signed-in user', () => {
  it('shows the user as at login', async () => {
    const account = await newAccount(bus, { name: 'Grace Hopper' });
    expect(await bus.bus.send(IdentitySubjects.me, { principal: principal(account) })).toEqual(
      account.login.user,
    );
  });

  it('renames the user', async () => {
    const account = await newAccount(bus);
    const updated = await bus.bus.send(IdentitySubjects.updateMe, {
      principal: principal(account),
      name: 'New Name',
    });
    expect(updated).toEqual({ ...account.login.user, name: 'New Name' });
    expect(await bus.bus.send(IdentitySubjects.me, { principal: principal(account) })).toEqual(updated);
  });

  it('changes the password only with the current one, and signs out the other sessions', async () => {
    const account = await newAccount(bus);
    const other = await login(account);
    const newPassword = 'my new long passphrase';

    const missing = await busError(
      bus.bus.send(IdentitySubjects.updateMe, { principal: principal(account), password: newPassword }),
    );
    expect(missing.code).toBe(BusErrorCode.ValidationFailed);
    expect(missing.extra.errors?.map((e) => e.field)).toEqual(['currentPassword']);

    const wrong = await busError(
      bus.bus.send(IdentitySubjects.updateMe, {
        principal: principal(account),
        password: newPassword,
        currentPassword: 'not my password',
      }),
    );
    expect(wrong.code).toBe(BusErrorCode.ValidationFailed);
    expect(wrong.extra.errors?.map((e) => e.field)).toEqual(['currentPassword']);

    await bus.bus.send(IdentitySubjects.updateMe, {
      principal: principal(account),
      password: newPassword,
      currentPassword: PASSWORD,
    });
    const refresh = (refreshToken: string) =>
      bus.bus.send(IdentitySubjects.refresh, { refreshToken, client: client() });
    expect((await busError(refresh(other.refreshToken))).code).toBe(BusErrorCode.Unauthenticated);
    await expect(refresh(account.login.refreshToken)).resolves.toHaveProperty('accessToken');
    await expect(login({ ...account, password: newPassword })).resolves.toHaveProperty('accessToken');
    expect((await busError(login(account))).code).toBe(BusErrorCode.Unauthenticated);
  });

  it('counts wrong current passwords like failed logins', async () => {
    const account = await newAccount(bus);
    const attempt = () =>
      bus.bus.send(IdentitySubjects.updateMe, {
        principal: principal(account),
        password: 'my new long passphrase',
        currentPassword: 'a wrong guess',
      });
    for (let i = 0; i < 5; i++) expect((await busError(attempt())).code).toBe(BusErrorCode.ValidationFailed);
    expect((await busError(attempt())).code).toBe(BusErrorCode.RateLimited);
    expect((await busError(login(account))).code).toBe(BusErrorCode.RateLimited);
  });
});

describe('sessions', () => {
  it('lists the live sessions, newest first, with the current one marked', async () => {
    const account = await newAccount(bus);
    const phone = await login(account, 'Phone/2.0');

    const { items, nextCursor } = await sessionsOf(principalOf(phone.accessToken));
    expect(nextCursor).toBeNull();
    expect(items).toEqual([
      {
        id: principalOf(phone.accessToken).sessionId,
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        userAgent: 'Phone/2.0',
        ip: expect.stringMatching(/^198\.51\./),
        current: true,
      },
      expect.objectContaining({ id: principal(account).sessionId, current: false }),
    ]);
  });

  it('pages with limit and cursor', async () => {
    const account = await newAccount(bus);
    await login(account);
    await login(account);
    const first = await sessionsOf(principal(account), { limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await sessionsOf(principal(account), { limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toEqual({ items: [expect.objectContaining({ current: true })], nextCursor: null });

    const bad = await busError(sessionsOf(principal(account), { cursor: 'garbage' }));
    expect(bad.extra.errors?.map((e) => e.field)).toEqual(['cursor']);
  });

  it('revokes one of its own sessions, which leaves the list and cannot refresh', async () => {
    const account = await newAccount(bus);
    const laptop = await login(account);
    const laptopSession = principalOf(laptop.accessToken).sessionId;

    await expect(
      bus.bus.send(IdentitySubjects.revokeSession, {
        principal: principal(account),
        sessionId: laptopSession,
      }),
    ).resolves.toEqual({ done: true });
    const { items } = await sessionsOf(principal(account));
    expect(items.map((s) => s.id)).toEqual([principal(account).sessionId]);
    const refresh = await busError(
      bus.bus.send(IdentitySubjects.refresh, { refreshToken: laptop.refreshToken, client: client() }),
    );
    expect(refresh.code).toBe(BusErrorCode.Unauthenticated);
  });

  it("answers not_found for another user's session, and leaves it alone", async () => {
    const alice = await newAccount(bus);
    const mallory = await newAccount(bus);
    const error = await busError(
      bus.bus.send(IdentitySubjects.revokeSession, {
        principal: principal(mallory),
        sessionId: principal(alice).sessionId,
      }),
    );
    expect(error.code).toBe(BusErrorCode.NotFound);
    expect((await sessionsOf(principal(alice))).items).toHaveLength(1);
  });
});

describe('users by ids (for tenancy)', () => {
  it('answers the known users once each, with emailVerified, and leaves out unknown ids', async () => {
    const a = await newAccount(bus, { name: 'A' });
    const b = await newAccount(bus, { name: 'B' });
    const { users } = await bus.bus.send(IdentitySubjects.usersByIds, {
      userIds: [b.login.user.id, randomUUID(), a.login.user.id, b.login.user.id],
    });
    expect(users).toEqual([
      { id: b.login.user.id, email: b.email.toLowerCase(), name: 'B', emailVerified: false },
      { id: a.login.user.id, email: a.email.toLowerCase(), name: 'A', emailVerified: false },
    ]);
  });

  it('refuses ids that are not UUIDs', async () => {
    const error = await busError(bus.bus.send(IdentitySubjects.usersByIds, { userIds: ['1; drop table'] }));
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
  });
});
