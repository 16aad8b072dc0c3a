import { identityService } from './platform-services';
import { DEVELOPMENT_JWT_SECRET } from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import { sign } from 'jsonwebtoken';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { expectProblem, startTestGateway, startTestService, UUID_PATTERN, type Problem } from './support';
import {
  authHeader,
  clientAddress,
  findDomainEvent,
  postJson,
  resetTokenFor,
  signUp,
  TEST_PASSWORD,
  uniqueEmail,
  verificationTokenFor,
  type PublicUser,
} from './users';

/** The invalid fields a 400 names (one entry per failed rule, so a field may repeat). */
const fieldsOf = (problem: Problem) => [...new Set(problem.errors?.map((e) => e.field))].sort();

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

describe('identity: authentication over HTTP', () => {
  let identity: RunningService;
  let gateway: RunningGateway;

  beforeAll(async () => {
    identity = await startTestService(identityService);
    // Trusts X-Forwarded-For, so that each test can be its own client for the per-IP limit.
    gateway = await startTestGateway({ TRUST_PROXY: 'true' });
  });

  afterAll(async () => {
    await gateway?.close();
    await identity?.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = clientAddress()) =>
    postJson(`${gateway.url}/v1/auth/${path}`, body, headers);
  const me = (accessToken: string) => fetch(`${gateway.url}/v1/me`, { headers: authHeader(accessToken) });

  async function json<T>(response: Response, status: number): Promise<T> {
    const text = await response.text();
    expect({ status: response.status, body: text }).toMatchObject({ status });
    return JSON.parse(text) as T;
  }

  describe('POST /v1/auth/register', () => {
    it('answers 201 with the user, lower-cased and unverified, and sends a verification email', async () => {
      const email = uniqueEmail('New.User');
      const { user } = await json<{ user: PublicUser }>(
        await post('register', { email, password: TEST_PASSWORD, name: 'New User' }),
        201,
      );
      expect(user).toEqual({
        id: expect.stringMatching(UUID_PATTERN),
        email: email.toLowerCase(),
        name: 'New User',
        emailVerified: false,
        mfaEnabled: false,
        role: 'user',
        createdAt: expect.stringMatching(/Z$/),
      });
      expect(await verificationTokenFor(email)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('answers 409 for an email that exists in another case', async () => {
      const email = uniqueEmail();
      await json(await post('register', { email, password: TEST_PASSWORD, name: 'First' }), 201);
      const problem = await expectProblem(
        await post('register', { email: email.toUpperCase(), password: TEST_PASSWORD, name: 'Second' }),
        409,
      );
      expect(problem.detail).toMatch(/email/i);
    });

    it('answers 400 naming each invalid field: password under 10 characters, bad email, no name', async () => {
      const problem = await expectProblem(
        await post('register', { email: 'nope', password: '123456789' }),
        400,
      );
      expect(fieldsOf(problem)).toEqual(['email', 'name', 'password']);
    });
  });

  describe('POST /v1/auth/login', () => {
    it('answers 200 with a token pair, its lifetime and the user', async () => {
      const email = uniqueEmail();
      const { user } = await json<{ user: PublicUser }>(
        await post('register', { email, password: TEST_PASSWORD, name: 'Login' }),
        201,
      );
      const login = await json<TokenPair & { user: PublicUser }>(
        await post('login', { email: email.toUpperCase(), password: TEST_PASSWORD }),
        200,
      );
      expect(login).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refreshToken: expect.any(String),
        expiresIn: 900,
        user,
      });
      expect(await json(await me(login.accessToken), 200)).toEqual(user);
    });

    it('answers 401 alike for an unknown email and a wrong password (same body but the request id)', async () => {
      const { email } = await signUp(gateway.url);
      const wrongPassword = await expectProblem(
        await post('login', { email, password: 'wrong password!' }),
        401,
      );
      const unknownEmail = await expectProblem(
        await post('login', { email: uniqueEmail('nobody'), password: 'wrong password!' }),
        401,
      );
      const withoutId = ({ requestId: _, ...rest }: Problem) => rest;
      expect(withoutId(unknownEmail)).toEqual(withoutId(wrongPassword));
    });

    it('answers 429 with Retry-After after 5 failed logins in a row, even with the right password', async () => {
      const { email } = await signUp(gateway.url);
      for (let attempt = 1; attempt <= 5; attempt++) {
        await expectProblem(await post('login', { email, password: `wrong password ${attempt}` }), 401);
      }
      const response = await post('login', { email, password: TEST_PASSWORD });
      await expectProblem(response, 429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });

    it('throttles an unknown email the same way, so that nobody learns whether it exists', async () => {
      const email = uniqueEmail('ghost');
      for (let attempt = 1; attempt <= 5; attempt++) {
        await expectProblem(await post('login', { email, password: 'some password' }), 401);
      }
      const response = await post('login', { email, password: 'some password' });
      await expectProblem(response, 429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });

    it('lets one IP make at least 100 auth requests a minute, then answers 429 with Retry-After', async () => {
      const from = clientAddress();
      const statuses: number[] = [];
      // Cheap requests (an unknown email), 20 at a time, until the first refusal.
      while (!statuses.includes(429) && statuses.length < 2000) {
        const batch = await Promise.all(
          Array.from({ length: 20 }, () => post('forgot-password', { email: uniqueEmail('nobody') }, from)),
        );
        statuses.push(...batch.map((response) => response.status));
      }
      const firstRefusal = statuses.indexOf(429);
      expect(firstRefusal).toBeGreaterThanOrEqual(100);
      expect(statuses.slice(0, firstRefusal).every((status) => status === 202)).toBe(true);

      const refused = await post('login', { email: uniqueEmail(), password: 'whatever it is' }, from);
      await expectProblem(refused, 429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another client is not affected.
      expect((await post('forgot-password', { email: uniqueEmail() })).status).toBe(202);
    });
  });

  describe('POST /v1/auth/refresh', () => {
    it('answers a new pair; the old refresh token is spent', async () => {
      const user = await signUp(gateway.url);
      const pair = await json<TokenPair>(await post('refresh', { refreshToken: user.refreshToken }), 200);
      expect(pair).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expect(pair.refreshToken).not.toBe(user.refreshToken);
      await json(await me(pair.accessToken), 200);
    });

    it('treats a used token presented again as reuse: 401, and the token it rotated to stops working', async () => {
      const user = await signUp(gateway.url);
      const rotated = await json<TokenPair>(await post('refresh', { refreshToken: user.refreshToken }), 200);

      await expectProblem(await post('refresh', { refreshToken: user.refreshToken }), 401);
      await expectProblem(await post('refresh', { refreshToken: rotated.refreshToken }), 401);
    });

    it('answers 401 for an unknown token and 400 for a missing one', async () => {
      await expectProblem(await post('refresh', { refreshToken: 'no-such-token' }), 401);
      const problem = await expectProblem(await post('refresh', {}), 400);
      expect(fieldsOf(problem)).toEqual(['refreshToken']);
    });
  });

  describe('POST /v1/auth/logout', () => {
    it('answers 204 and revokes the session: its refresh token stops working', async () => {
      const user = await signUp(gateway.url);
      const response = await post('logout', { refreshToken: user.refreshToken });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      await expectProblem(await post('refresh', { refreshToken: user.refreshToken }), 401);
    });
  });

  describe('POST /v1/auth/verify-email', () => {
    it('answers 204 and marks the email verified; the same token again is 400', async () => {
      const user = await signUp(gateway.url);
      const token = await verificationTokenFor(user.email);

      expect((await post('verify-email', { token })).status).toBe(204);
      expect(await json<PublicUser>(await me(user.accessToken), 200)).toMatchObject({ emailVerified: true });
      const problem = await expectProblem(await post('verify-email', { token }), 400);
      expect(fieldsOf(problem)).toEqual(['token']);
    });

    it('answers 400 for an unknown token', async () => {
      await expectProblem(await post('verify-email', { token: 'made-up' }), 400);
    });
  });

  describe('POST /v1/auth/forgot-password and /reset-password', () => {
    it('answers 202 with no body whether or not the account exists', async () => {
      const user = await signUp(gateway.url);
      for (const email of [user.email, uniqueEmail('nobody')]) {
        const response = await post('forgot-password', { email });
        expect(response.status).toBe(202);
        expect(await response.text()).toBe('');
      }
    });

    it('resets the password with the emailed token, once, and revokes every session', async () => {
      const user = await signUp(gateway.url);
      const since = new Date(Date.now() - 1000);
      expect((await post('forgot-password', { email: user.email.toUpperCase() })).status).toBe(202);
      const token = await resetTokenFor(user.email, since);
      const password = 'a fresh new passphrase';

      expect((await post('reset-password', { token, password })).status).toBe(204);
      await expectProblem(await post('refresh', { refreshToken: user.refreshToken }), 401);
      await expectProblem(await post('login', { email: user.email, password: TEST_PASSWORD }), 401);
      await json(await post('login', { email: user.email, password }), 200);

      const again = await expectProblem(
        await post('reset-password', { token, password: 'another passphrase' }),
        400,
      );
      expect(fieldsOf(again)).toEqual(['token']);
    });

    it('answers 400 for a made-up token and for a short password', async () => {
      await expectProblem(
        await post('reset-password', { token: 'made-up', password: 'long enough password' }),
        400,
      );
      const short = await expectProblem(
        await post('reset-password', { token: 'made-up', password: 'short' }),
        400,
      );
      expect(fieldsOf(short)).toEqual(['password']);
    });

    it('emails nobody for an unknown account', async () => {
      const email = uniqueEmail('nobody');
      const since = new Date(Date.now() - 1000);
      expect((await post('forgot-password', { email })).status).toBe(202);
      // Identity stores its events before it answers: none by now means none at all.
      await expect(
        findDomainEvent('identity.password_reset.requested', email, { since, timeoutMs: 1500 }),
      ).rejects.toThrow(/No identity.password_reset.requested event/);
    });
  });

  describe('access tokens', () => {
    const signed = (claims: object, secret = DEVELOPMENT_JWT_SECRET, expiresIn = 900) =>
      sign(claims, secret, {
        algorithm: 'HS256',
        issuer: 'northstar-identity',
        audience: 'northstar-api',
        expiresIn,
      });

    it('answers 401 without a token, with a malformed or forged one, and with an API key', async () => {
      await expectProblem(await fetch(`${gateway.url}/v1/me`), 401);
      await expectProblem(await me('not-a-jwt'), 401);
      const user = await signUp(gateway.url);
      const forged = signed(
        { sub: user.user.id, sid: user.user.id, role: 'admin', email: user.user.email },
        'not the secret at all',
      );
      await expectProblem(await me(forged), 401);
      await expectProblem(await me('nsk_live_abcdefghijklmnopqrstuvwxyz'), 401);
    });

    it('answers 401 for an expired token', async () => {
      const user = await signUp(gateway.url);
      const expired = signed(
        { sub: user.user.id, sid: user.user.id, role: 'user', email: user.user.email },
        DEVELOPMENT_JWT_SECRET,
        -10,
      );
      const problem = await expectProblem(await me(expired), 401);
      expect(problem.detail).toMatch(/expired/);
    });
  });
});
