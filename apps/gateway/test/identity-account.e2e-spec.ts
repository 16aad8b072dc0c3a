import { identityService } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { expectProblem, getJson, startTestGateway, startTestService, UUID_PATTERN } from './support';
import {
  authHeader,
  clientAddress,
  jsonHeaders,
  logIn,
  postJson,
  signUp,
  verifyEmail,
  type PublicUser,
  type SignedUpUser,
} from './users';

interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  ip: string;
  current: boolean;
}

const ADMIN_EMAIL = `Platform.Admin-${randomUUID()}@E2E.Northstar.Test`;

describe('identity: the signed-in user over HTTP', () => {
  let identity: RunningService;
  let gateway: RunningGateway;

  beforeAll(async () => {
    identity = await startTestService(identityService, { NORTHSTAR_ADMIN_EMAILS: `x@y.test,${ADMIN_EMAIL}` });
    gateway = await startTestGateway({ TRUST_PROXY: 'true' });
  });

  afterAll(async () => {
    await gateway?.close();
    await identity?.close();
  });

  const url = (path: string) => `${gateway.url}/v1${path}`;
  const patchMe = (user: { accessToken: string }, body: unknown) =>
    fetch(url('/me'), {
      method: 'PATCH',
      headers: { ...jsonHeaders, ...authHeader(user.accessToken) },
      body: JSON.stringify(body),
    });
  const sessionsOf = (accessToken: string) =>
    getJson<{ items: Session[]; nextCursor: string | null }>(url('/me/sessions'), {
      headers: authHeader(accessToken),
    }).then(({ body }) => body);
  const refresh = (refreshToken: string) => postJson(url('/auth/refresh'), { refreshToken }, clientAddress());

  describe('GET /v1/me', () => {
    it('answers the user with its platform role', async () => {
      const user = await signUp(gateway.url, { name: 'Grace' });
      const { body } = await getJson<PublicUser>(url('/me'), { headers: authHeader(user.accessToken) });
      expect(body).toEqual({
        id: user.user.id,
        email: user.email.toLowerCase(),
        name: 'Grace',
        emailVerified: false,
        mfaEnabled: false,
        role: 'user',
        createdAt: expect.any(String),
      });
    });

    it('gives the admin role to an email of NORTHSTAR_ADMIN_EMAILS, matched case-insensitively, once verified', async () => {
      const admin = await signUp(gateway.url, { email: ADMIN_EMAIL.toLowerCase() });
      expect(admin.user.role).toBe('user');
      const before = await getJson<PublicUser>(url('/me'), { headers: authHeader(admin.accessToken) });
      expect(before.body).toMatchObject({ emailVerified: false, role: 'user' });

      await verifyEmail(gateway.url, admin.email);
      const refreshed = await refresh(admin.refreshToken);
      expect(refreshed.status).toBe(200);
      const { accessToken } = (await refreshed.json()) as { accessToken: string };
      const { body } = await getJson<PublicUser>(url('/me'), { headers: authHeader(accessToken) });
      expect(body).toMatchObject({ emailVerified: true, role: 'admin' });
    });

    it('answers 401 without a token', async () => {
      await expectProblem(await fetch(url('/me')), 401);
    });
  });

  describe('PATCH /v1/me', () => {
    it('renames the user and answers it', async () => {
      const user = await signUp(gateway.url);
      const response = await patchMe(user, { name: 'Renamed' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: user.user.id, name: 'Renamed' });
    });

    it('answers 400 naming currentPassword when it is missing or wrong', async () => {
      const user = await signUp(gateway.url);
      for (const body of [
        { password: 'a brand new passphrase' },
        { password: 'a brand new passphrase', currentPassword: 'not my password' },
      ]) {
        const problem = await expectProblem(await patchMe(user, body), 400);
        expect(problem.errors?.map((e) => e.field)).toEqual(['currentPassword']);
      }
    });

    it('changes the password with the current one and signs out the other sessions', async () => {
      const user = await signUp(gateway.url);
      const other = await logIn(gateway.url, user.email, user.password, clientAddress());
      const password = 'a brand new passphrase';

      const response = await patchMe(user, { password, currentPassword: user.password });
      expect(response.status).toBe(200);
      await expectProblem(await refresh(other.refreshToken), 401);
      expect((await refresh(user.refreshToken)).status).toBe(200);
      await logIn(gateway.url, user.email, password, clientAddress());
    });

    it('answers 400 for a new password under 10 characters and for unknown fields', async () => {
      const user = await signUp(gateway.url);
      const short = await expectProblem(
        await patchMe(user, { password: 'short', currentPassword: user.password }),
        400,
      );
      expect(short.errors?.map((e) => e.field)).toContain('password');
      const unknown = await expectProblem(await patchMe(user, { email: 'new@example.com' }), 400);
      expect(unknown.errors?.map((e) => e.field)).toEqual(['email']);
    });
  });

  describe('GET /v1/me/sessions', () => {
    it('lists the sessions with user agent and IP, marking the current one', async () => {
      const user = await signUp(gateway.url);
      const laptop = await postJson(
        url('/auth/login'),
        { email: user.email, password: user.password },
        { 'user-agent': 'Laptop Browser/1.0', 'x-forwarded-for': '198.51.100.23' },
      ).then((response) => response.json() as Promise<{ accessToken: string }>);

      const { items, nextCursor } = await sessionsOf(laptop.accessToken);
      expect(nextCursor).toBeNull();
      expect(items).toHaveLength(2);
      expect(items[0]).toEqual({
        id: expect.stringMatching(UUID_PATTERN),
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        userAgent: 'Laptop Browser/1.0',
        ip: '198.51.100.23',
        current: true,
      });
      expect(items[1]).toMatchObject({ current: false });
      // The other token sees the same sessions, with itself as the current one.
      const seenFromFirst = await sessionsOf(user.accessToken);
      expect(seenFromFirst.items.map((s) => [s.id, s.current])).toEqual([
        [items[0].id, false],
        [items[1].id, true],
      ]);
    });
  });

  describe('DELETE /v1/me/sessions/:id', () => {
    async function twoSessions(): Promise<{
      user: SignedUpUser;
      other: { accessToken: string; refreshToken: string };
    }> {
      const user = await signUp(gateway.url);
      const other = await logIn(gateway.url, user.email, user.password, clientAddress());
      return { user, other };
    }
    const revoke = (accessToken: string, sessionId: string) =>
      fetch(url(`/me/sessions/${sessionId}`), { method: 'DELETE', headers: authHeader(accessToken) });

    it('answers 204 and ends that session: it leaves the list and its refresh token stops working', async () => {
      const { user, other } = await twoSessions();
      const target = (await sessionsOf(user.accessToken)).items.find((s) => !s.current);
      if (!target) throw new Error('expected a second session');

      const response = await revoke(user.accessToken, target.id);
      expect(response.status).toBe(204);
      expect((await sessionsOf(user.accessToken)).items.map((s) => s.id)).not.toContain(target.id);
      await expectProblem(await refresh(other.refreshToken), 401);
    });

    it("answers 404 for another user's session and leaves it alone", async () => {
      const alice = await signUp(gateway.url);
      const mallory = await signUp(gateway.url);
      const [aliceSession] = (await sessionsOf(alice.accessToken)).items;

      await expectProblem(await revoke(mallory.accessToken, aliceSession.id), 404);
      expect((await refresh(alice.refreshToken)).status).toBe(200);
    });

    it('answers 404 for an unknown session, 400 for a malformed id, 401 without a token', async () => {
      const user = await signUp(gateway.url);
      await expectProblem(await revoke(user.accessToken, randomUUID()), 404);
      const malformed = await expectProblem(await revoke(user.accessToken, 'not-an-id'), 400);
      expect(malformed.errors?.map((e) => e.field)).toEqual(['id']);
      await expectProblem(await fetch(url(`/me/sessions/${randomUUID()}`), { method: 'DELETE' }), 401);
    });
  });

  describe('public routes', () => {
    // No chains service runs in this suite: its public route answers 503, not 401.
    it.each([
      ['/v1/system/info', 200],
      ['/v1/chains', 503],
      ['/v1/chains/ethereum', 503],
      ['/health', 200],
      ['/ready', 200],
      ['/metrics', 200],
      ['/docs-json', 200],
      ['/docs', 200],
    ])('%s needs no token', async (path, status) => {
      expect((await fetch(`${gateway.url}${path}`)).status).toBe(status);
    });

    it('documents every identity route, its schemas, errors and the bearer scheme', async () => {
      type Operation = { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown };
      const { body } = await getJson<{ paths: Record<string, Record<string, Operation>> }>(
        `${gateway.url}/docs-json`,
      );
      const op = (path: string, method: string) => body.paths[path]?.[method];
      for (const path of [
        'register',
        'login',
        'refresh',
        'logout',
        'verify-email',
        'forgot-password',
        'reset-password',
      ]) {
        const operation = op(`/v1/auth/${path}`, 'post');
        expect(operation?.requestBody).toBeDefined();
        expect(operation?.security).toBeUndefined();
        expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['400', '429']));
      }
      expect(Object.keys(op('/v1/auth/login', 'post')?.responses ?? {})).toEqual(
        expect.arrayContaining(['200', '401', '429']),
      );
      expect(Object.keys(op('/v1/auth/register', 'post')?.responses ?? {})).toEqual(
        expect.arrayContaining(['201', '409']),
      );
      for (const [path, method] of [
        ['/v1/me', 'get'],
        ['/v1/me', 'patch'],
        ['/v1/me/sessions', 'get'],
        ['/v1/me/sessions/{id}', 'delete'],
      ]) {
        expect(op(path, method)?.security).toEqual([{ user: [] }]);
        expect(Object.keys(op(path, method)?.responses ?? {})).toContain('401');
      }
    });
  });
});
