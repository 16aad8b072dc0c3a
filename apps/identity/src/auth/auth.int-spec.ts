import {
  ACCESS_TOKEN,
  BusErrorCode,
  IdentitySubjects,
  type AccessTokenClaims,
  type LoginRequest,
} from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import { busError, connectTestBus, startTestService, type TestBus, openEventToken } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { verify } from 'jsonwebtoken';
import {
  asSession,
  client,
  domainEvents,
  latestDomainEvent,
  newAccount,
  PASSWORD,
  uniqueEmail,
} from '../../test/identity-testing';
import { identityService } from '../identity.service-definition';

const JWT_SECRET = `int-spec-secret-${randomUUID()}`;
const ADMIN_EMAIL = `Admin-${randomUUID()}@Int.Northstar.Test`;
const IP_LIMIT = 100;

let service: RunningService;
let bus: TestBus;
const startedAt = new Date(Date.now() - 1000);

beforeAll(async () => {
  service = await startTestService(identityService, {
    JWT_SECRET,
    NORTHSTAR_ADMIN_EMAILS: ` someone@else.test ,${ADMIN_EMAIL}`,
    AUTH_IP_LIMIT_PER_MINUTE: String(IP_LIMIT),
  });
  bus = await connectTestBus();
});

afterAll(async () => {
  await bus?.close();
  await service?.close();
});

const send = {
  register: (email: string, password = PASSWORD, name = 'Ada') =>
    bus.bus.send(IdentitySubjects.register, { email, password, name, client: client() }),
  login: async (email: string, password = PASSWORD, from = client()) =>
    asSession(await bus.bus.send(IdentitySubjects.login, { email, password, client: from })),
  refresh: (refreshToken: string) =>
    bus.bus.send(IdentitySubjects.refresh, { refreshToken, client: client() }),
  logout: (refreshToken: string) => bus.bus.send(IdentitySubjects.logout, { refreshToken, client: client() }),
};

function claimsOf(accessToken: string): AccessTokenClaims {
  return verify(accessToken, JWT_SECRET, {
    algorithms: [ACCESS_TOKEN.algorithm],
    issuer: ACCESS_TOKEN.issuer,
    audience: ACCESS_TOKEN.audience,
  }) as AccessTokenClaims;
}

describe('registration', () => {
  it('stores the email lower-cased, unverified, and queues the verification email', async () => {
    const email = uniqueEmail('Mixed.Case');
    const { user } = await send.register(email, PASSWORD, '  Ada Lovelace ');

    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: email.toLowerCase(),
      name: 'Ada Lovelace',
      emailVerified: false,
      mfaEnabled: false,
      role: 'user',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    const event = await latestDomainEvent(bus, 'identity.user.registered', email, startedAt);
    expect(event).toEqual({
      userId: user.id,
      email: email.toLowerCase(),
      name: 'Ada Lovelace',
      // Sealed: a reader of the stream finds no usable token.
      verificationToken: expect.stringMatching(/^enc:v1:[A-Za-z0-9_-]+$/),
      expiresAt: expect.any(String),
    });
    expect(openEventToken(event.verificationToken)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const validForHours = (Date.parse(event.expiresAt) - Date.now()) / 3_600_000;
    expect(validForHours).toBeGreaterThan(47);
    expect(validForHours).toBeLessThanOrEqual(48);
  });

  it('refuses an email that exists in another case with a conflict', async () => {
    const email = uniqueEmail('taken');
    await send.register(email);
    const error = await busError(send.register(email.toUpperCase()));
    expect(error.code).toBe(BusErrorCode.Conflict);
  });

  it('refuses a password under 10 characters and a malformed email, naming the fields', async () => {
    const error = await busError(send.register('not-an-email', 'short'));
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors?.map((e) => e.field).sort()).toEqual(['email', 'password']);
  });
});

describe('login', () => {
  it('answers an access token with the user, role and session as claims, and a refresh token', async () => {
    const email = uniqueEmail();
    const { user } = await send.register(email);
    const login = await send.login(email.toUpperCase());

    expect(login.user).toEqual(user);
    expect(login.expiresIn).toBe(900);
    expect(login.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const claims = claimsOf(login.accessToken) as AccessTokenClaims & { exp: number; iat: number };
    expect(claims).toMatchObject({ sub: user.id, role: 'user', email: email.toLowerCase() });
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.exp - claims.iat).toBe(900);
  });

  it('gives the admin role to a verified email of NORTHSTAR_ADMIN_EMAILS, whatever its case', async () => {
    const { user } = await send.register(ADMIN_EMAIL.toLowerCase());
    expect(user.role).toBe('user');
    // Unverified, a listed address is nobody's proof of being the operator: it stays a plain user.
    const before = await send.login(ADMIN_EMAIL);
    expect(before.user.role).toBe('user');
    expect(claimsOf(before.accessToken).role).toBe('user');

    const { verificationToken } = await latestDomainEvent(
      bus,
      'identity.user.registered',
      ADMIN_EMAIL.toLowerCase(),
      startedAt,
    );
    await bus.bus.send(IdentitySubjects.verifyEmail, {
      token: openEventToken(verificationToken),
      client: client(),
    });

    // The session opened before verification gets the role at its next refresh.
    const refreshed = await send.refresh(before.refreshToken);
    expect(claimsOf(refreshed.accessToken).role).toBe('admin');
    const login = await send.login(ADMIN_EMAIL);
    expect(login.user.role).toBe('admin');
    expect(claimsOf(login.accessToken).role).toBe('admin');
  });

  it('answers the same error for an unknown email and for a wrong password', async () => {
    const email = uniqueEmail();
    await send.register(email);
    const wrongPassword = await busError(send.login(email, 'not the password'));
    const unknownEmail = await busError(send.login(uniqueEmail('nobody')));

    expect(wrongPassword.code).toBe(BusErrorCode.Unauthenticated);
    expect({ code: unknownEmail.code, message: unknownEmail.message }).toEqual({
      code: wrongPassword.code,
      message: wrongPassword.message,
    });
  });

  it('locks an account out after 5 failures in a row, even for the right password', async () => {
    const email = uniqueEmail();
    await send.register(email);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await busError(send.login(email, `wrong password ${attempt}`))).code).toBe(
        BusErrorCode.Unauthenticated,
      );
    }
    const locked = await busError(send.login(email, PASSWORD));
    expect(locked.code).toBe(BusErrorCode.RateLimited);
    expect(locked.extra.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(locked.extra.retryAfterSeconds).toBeLessThanOrEqual(30);
  });

  it('locks an unknown email out exactly like a real one', async () => {
    const email = uniqueEmail('ghost');
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await busError(send.login(email, 'whatever it is'))).code).toBe(BusErrorCode.Unauthenticated);
    }
    const locked = await busError(send.login(email));
    expect(locked.code).toBe(BusErrorCode.RateLimited);
    expect(locked.extra.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('resets the failure streak on a successful login', async () => {
    const email = uniqueEmail();
    await send.register(email);
    for (let attempt = 1; attempt <= 4; attempt++) await busError(send.login(email, 'wrong password'));
    await send.login(email);
    for (let attempt = 1; attempt <= 4; attempt++) await busError(send.login(email, 'wrong password'));
    await expect(send.login(email)).resolves.toHaveProperty('accessToken');
  });

  it(`limits one IP to ${IP_LIMIT} auth requests a minute, then answers rate_limited with a delay`, async () => {
    const from = client();
    const request: LoginRequest = { email: uniqueEmail('flood'), password: 'x', client: from };
    const unknownUser = () =>
      bus.bus.send(IdentitySubjects.forgotPassword, { email: request.email, client: from });
    for (let sent = 0; sent < IP_LIMIT; sent += 20) {
      await Promise.all(Array.from({ length: 20 }, () => unknownUser()));
    }
    const limited = await busError(bus.bus.send(IdentitySubjects.login, request));
    expect(limited.code).toBe(BusErrorCode.RateLimited);
    expect(limited.extra.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(limited.extra.retryAfterSeconds).toBeLessThanOrEqual(60);

    // Another address is not affected.
    expect((await busError(send.login(request.email, 'x'))).code).toBe(BusErrorCode.Unauthenticated);
  });
});

describe('refresh tokens', () => {
  it('rotate: each refresh answers a new pair for the same session, and the old token is spent', async () => {
    const { login } = await newAccount(bus);
    const refreshed = await send.refresh(login.refreshToken);

    expect(refreshed.expiresIn).toBe(900);
    expect(refreshed.refreshToken).not.toBe(login.refreshToken);
    expect(claimsOf(refreshed.accessToken)).toMatchObject({
      sub: login.user.id,
      sid: claimsOf(login.accessToken).sid,
    });
    const again = await send.refresh(refreshed.refreshToken);
    expect(again.refreshToken).not.toBe(refreshed.refreshToken);
  });

  it('treat a spent token presented again as reuse: the whole session is revoked', async () => {
    const { login } = await newAccount(bus);
    const stolen = login.refreshToken;
    const legitimate = await send.refresh(stolen);

    expect((await busError(send.refresh(stolen))).code).toBe(BusErrorCode.Unauthenticated);
    // The token the family had rotated to dies with it.
    expect((await busError(send.refresh(legitimate.refreshToken))).code).toBe(BusErrorCode.Unauthenticated);
  });

  it('refuse an unknown token', async () => {
    expect((await busError(send.refresh('not-a-token'))).code).toBe(BusErrorCode.Unauthenticated);
  });

  it('stop working after logout, and other sessions of the user keep working', async () => {
    const account = await newAccount(bus);
    const other = await send.login(account.email);

    await expect(send.logout(account.login.refreshToken)).resolves.toEqual({ done: true });
    expect((await busError(send.refresh(account.login.refreshToken))).code).toBe(
      BusErrorCode.Unauthenticated,
    );
    await expect(send.refresh(other.refreshToken)).resolves.toHaveProperty('accessToken');
    // Logging out twice, or with a token nobody knows, changes nothing and does not fail.
    await expect(send.logout(account.login.refreshToken)).resolves.toEqual({ done: true });
    await expect(send.logout('unknown-token')).resolves.toEqual({ done: true });
  });
});

describe('email verification', () => {
  it('verifies the email with the emailed token, once', async () => {
    const email = uniqueEmail();
    const { user } = await send.register(email);
    const { verificationToken } = await latestDomainEvent(bus, 'identity.user.registered', email, startedAt);
    const verify = () =>
      bus.bus.send(IdentitySubjects.verifyEmail, {
        token: openEventToken(verificationToken),
        client: client(),
      });

    await expect(verify()).resolves.toEqual({ done: true });
    const login = await send.login(email);
    expect(login.user).toEqual({ ...user, emailVerified: true });

    const reused = await busError(verify());
    expect(reused.code).toBe(BusErrorCode.ValidationFailed);
    expect(reused.extra.errors?.map((e) => e.field)).toEqual(['token']);
  });

  it('refuses an unknown token as invalid input', async () => {
    const error = await busError(
      bus.bus.send(IdentitySubjects.verifyEmail, { token: 'made-up-token', client: client() }),
    );
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
  });
});

describe('password reset', () => {
  const forgot = (email: string) =>
    bus.bus.send(IdentitySubjects.forgotPassword, { email, client: client() });
  const reset = (token: string, password: string) =>
    bus.bus.send(IdentitySubjects.resetPassword, { token, password, client: client() });

  it('emails a single-use token valid one hour; resetting signs out every session', async () => {
    const account = await newAccount(bus);
    const second = await send.login(account.email);
    const since = new Date(Date.now() - 1000);

    await expect(forgot(account.email.toUpperCase())).resolves.toEqual({ done: true });
    const event = await latestDomainEvent(bus, 'identity.password_reset.requested', account.email, since);
    expect(event).toMatchObject({ userId: account.login.user.id, email: account.email.toLowerCase() });
    const validForMinutes = (Date.parse(event.expiresAt) - Date.now()) / 60_000;
    expect(validForMinutes).toBeGreaterThan(59);
    expect(validForMinutes).toBeLessThanOrEqual(60);

    const newPassword = 'a brand new passphrase';
    await expect(reset(openEventToken(event.resetToken), newPassword)).resolves.toEqual({ done: true });

    for (const refreshToken of [account.login.refreshToken, second.refreshToken]) {
      expect((await busError(send.refresh(refreshToken))).code).toBe(BusErrorCode.Unauthenticated);
    }
    expect((await busError(send.login(account.email, PASSWORD))).code).toBe(BusErrorCode.Unauthenticated);
    await expect(send.login(account.email, newPassword)).resolves.toHaveProperty('accessToken');

    const reused = await busError(reset(openEventToken(event.resetToken), 'yet another passphrase'));
    expect(reused.code).toBe(BusErrorCode.ValidationFailed);
    expect(reused.extra.errors?.map((e) => e.field)).toEqual(['token']);
  });

  it('answers the same for an unknown email, and emails nobody', async () => {
    const email = uniqueEmail('nobody');
    const since = new Date(Date.now() - 1000);
    await expect(forgot(email)).resolves.toEqual({ done: true });
    // A request for a real account made afterwards is stored, so the stream is caught up past ours.
    const real = await newAccount(bus);
    await forgot(real.email);
    await latestDomainEvent(bus, 'identity.password_reset.requested', real.email, since);
    expect(await domainEvents(bus, 'identity.password_reset.requested', email, since)).toEqual([]);
  });

  it('retires older reset tokens once one of them was used', async () => {
    const account = await newAccount(bus);
    const since = new Date(Date.now() - 1000);
    await forgot(account.email);
    await forgot(account.email);
    const events = await eventuallyTwo(account.email, since);

    await reset(openEventToken(events[1].resetToken), 'the second passphrase');
    expect((await busError(reset(openEventToken(events[0].resetToken), 'the first passphrase'))).code).toBe(
      BusErrorCode.ValidationFailed,
    );
  });

  it('refuses a made-up token', async () => {
    const error = await busError(reset('made-up-token', 'a good long password'));
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
  });

  async function eventuallyTwo(email: string, since: Date) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const events = await domainEvents(bus, 'identity.password_reset.requested', email, since);
      if (events.length >= 2) return events;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('two reset events expected');
  }
});
