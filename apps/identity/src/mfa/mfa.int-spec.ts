import { MikroORM } from '@mikro-orm/postgresql';
import {
  ACCESS_TOKEN,
  BusErrorCode,
  IdentitySubjects,
  RECOVERY_CODE_PATTERN,
  type AccessTokenClaims,
  type LoginResponse,
  type SessionPrincipal,
} from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import { busError, connectTestBus, startTestService, type TestBus } from '@northstar/testing';
import { verify } from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { asSession, client, newAccount, PASSWORD, type TestAccount } from '../../test/identity-testing';
import { identityService } from '../identity.service-definition';
import { Clock } from '../security/clock';
import { totpCodeAt } from './totp';

const JWT_SECRET = `int-spec-secret-${randomUUID()}`;
const STEP_MS = 30_000;

let service: RunningService;
let bus: TestBus;
// Every check of a code happens at this instant unless a test moves it: no test races a 30 s step.
let now = new Date('2026-12-05T12:00:00.000Z');

beforeAll(async () => {
  service = await startTestService(identityService, { JWT_SECRET });
  bus = await connectTestBus();
  jest.spyOn(service.app.get(Clock, { strict: false }), 'now').mockImplementation(() => new Date(now));
});

afterAll(async () => {
  await bus?.close();
  await service?.close();
});

beforeEach(() => {
  // A fresh instant per test, well apart, so that no test sees another's steps.
  now = new Date(now.getTime() + 3600_000);
});

const at = (offsetSteps: number) => new Date(now.getTime() + offsetSteps * STEP_MS);

function principalOf(accessToken: string): SessionPrincipal {
  const claims = claimsOf(accessToken);
  return { userId: claims.sub, sessionId: claims.sid };
}

function claimsOf(accessToken: string): AccessTokenClaims {
  return verify(accessToken, JWT_SECRET, {
    algorithms: [ACCESS_TOKEN.algorithm],
    issuer: ACCESS_TOKEN.issuer,
    audience: ACCESS_TOKEN.audience,
  }) as AccessTokenClaims;
}

const send = {
  enrol: (login: LoginResponse) =>
    bus.bus.send(IdentitySubjects.enrolTotp, { principal: principalOf(login.accessToken) }),
  confirm: (login: LoginResponse, code: string) =>
    bus.bus.send(IdentitySubjects.confirmTotp, { principal: principalOf(login.accessToken), code }),
  disable: (login: LoginResponse, password: string, code: string) =>
    bus.bus.send(IdentitySubjects.disableTotp, { principal: principalOf(login.accessToken), password, code }),
  regenerate: (login: LoginResponse, code: string) =>
    bus.bus.send(IdentitySubjects.regenerateRecoveryCodes, {
      principal: principalOf(login.accessToken),
      code,
    }),
  me: (login: LoginResponse) =>
    bus.bus.send(IdentitySubjects.me, { principal: principalOf(login.accessToken) }),
  login: (account: TestAccount) =>
    bus.bus.send(IdentitySubjects.login, { email: account.email, password: PASSWORD, client: client() }),
  mfa: (mfaToken: string, proof: { code?: string; recoveryCode?: string }) =>
    bus.bus.send(IdentitySubjects.completeMfa, { mfaToken, ...proof, client: client() }),
};

/** A new account with an authenticator enrolled and confirmed at step -1 of `now`. */
async function withTotp(): Promise<{ account: TestAccount; secret: string; recoveryCodes: string[] }> {
  const account = await newAccount(bus);
  const { secret } = await send.enrol(account.login);
  const { recoveryCodes } = await send.confirm(account.login, totpCodeAt(secret, at(-1)));
  return { account, secret, recoveryCodes };
}

async function mfaTokenOf(account: TestAccount): Promise<string> {
  const answer = await send.login(account);
  if (!('mfaRequired' in answer)) throw new Error('Expected a two-factor challenge');
  return answer.mfaToken;
}

function fieldsOf(error: { extra: { errors?: { field: string }[] } }): string[] {
  return error.extra.errors?.map((entry) => entry.field) ?? [];
}

describe('enrolment', () => {
  it('answers a secret, its otpauth URI and a QR code, and changes nothing until confirmed', async () => {
    const account = await newAccount(bus);
    const enrolment = await send.enrol(account.login);

    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUrl).toMatch(/^otpauth:\/\/totp\/Northstar:/);
    expect(enrolment.otpauthUrl).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.otpauthUrl).toContain(encodeURIComponent(account.email));
    expect(enrolment.qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(enrolment.qr.split(',')[1], 'base64').toString()).toContain('<svg');

    expect((await send.me(account.login)).mfaEnabled).toBe(false);
    expect(await send.login(account)).toHaveProperty('accessToken');
  });

  it('keeps the secret sealed at rest', async () => {
    const account = await newAccount(bus);
    const { secret } = await send.enrol(account.login);
    const [row] = await service.app
      .get(MikroORM, { strict: false })
      .em.getConnection()
      .execute<{ sealed_secret: string }[]>(
        `select "sealed_secret" from "identity"."totp_credentials" where "user_id" = ?`,
        [account.login.user.id],
      );
    expect(row.sealed_secret).toMatch(/^enc:v1:/);
    expect(row.sealed_secret).not.toContain(secret);
  });

  it('replaces a pending enrolment: only the latest secret confirms', async () => {
    const account = await newAccount(bus);
    const first = await send.enrol(account.login);
    const second = await send.enrol(account.login);
    expect(second.secret).not.toBe(first.secret);

    const stale = await busError(send.confirm(account.login, totpCodeAt(first.secret, now)));
    expect(stale.code).toBe(BusErrorCode.ValidationFailed);
    expect(fieldsOf(stale)).toEqual(['code']);
    await expect(send.confirm(account.login, totpCodeAt(second.secret, now))).resolves.toBeDefined();
  });

  it('turns two factors on with a first code and hands out 10 recovery codes, once', async () => {
    const account = await newAccount(bus);
    const { secret } = await send.enrol(account.login);
    const { recoveryCodes } = await send.confirm(account.login, totpCodeAt(secret, now));

    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(RECOVERY_CODE_PATTERN);
    expect((await send.me(account.login)).mfaEnabled).toBe(true);
    // Confirmed: no second confirmation, and no new enrolment over an active one.
    expect((await busError(send.confirm(account.login, totpCodeAt(secret, at(1))))).code).toBe(
      BusErrorCode.Conflict,
    );
    expect((await busError(send.enrol(account.login))).code).toBe(BusErrorCode.Conflict);
  });

  it('refuses a malformed code naming the field', async () => {
    const account = await newAccount(bus);
    await send.enrol(account.login);
    const error = await busError(send.confirm(account.login, '12ab56'));
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(fieldsOf(error)).toEqual(['code']);
  });
});

describe('sign-in with two factors', () => {
  it('answers an mfaToken instead of a session, and a session for a code', async () => {
    const { account, secret } = await withTotp();
    const answer = await send.login(account);
    expect(answer).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresIn: 300 });
    expect(answer).not.toHaveProperty('accessToken');

    const session = await send.mfa((answer as { mfaToken: string }).mfaToken, {
      code: totpCodeAt(secret, now),
    });
    expect(session.user).toMatchObject({ id: account.login.user.id, mfaEnabled: true });
    expect(claimsOf(session.accessToken).mfa).toBe(true);
    // The session is real: its refresh token works.
    await expect(
      bus.bus.send(IdentitySubjects.refresh, { refreshToken: session.refreshToken, client: client() }),
    ).resolves.toHaveProperty('accessToken');
  });

  it('accepts a code one step either side, not two', async () => {
    const { account, secret } = await withTotp();
    const early = await busError(send.mfa(await mfaTokenOf(account), { code: totpCodeAt(secret, at(2)) }));
    expect(fieldsOf(early)).toEqual(['code']);
    await expect(
      send.mfa(await mfaTokenOf(account), { code: totpCodeAt(secret, at(1)) }),
    ).resolves.toHaveProperty('accessToken');
  });

  it('refuses a code replayed within its window, and an older one, but takes the next step', async () => {
    const { account, secret } = await withTotp();
    const code = totpCodeAt(secret, now);
    await send.mfa(await mfaTokenOf(account), { code });

    const replay = await busError(send.mfa(await mfaTokenOf(account), { code }));
    expect(replay.code).toBe(BusErrorCode.ValidationFailed);
    expect(replay.extra.errors).toEqual([
      { field: 'code', message: 'code was already used; wait for the next one' },
    ]);
    // The step before was not used, but is older than one that was.
    const older = await busError(send.mfa(await mfaTokenOf(account), { code: totpCodeAt(secret, at(-1)) }));
    expect(fieldsOf(older)).toEqual(['code']);

    now = at(1);
    await expect(
      send.mfa(await mfaTokenOf(account), { code: totpCodeAt(secret, now) }),
    ).resolves.toHaveProperty('accessToken');
  });

  it('takes each mfaToken once', async () => {
    const { account, secret } = await withTotp();
    const mfaToken = await mfaTokenOf(account);
    await send.mfa(mfaToken, { code: totpCodeAt(secret, now) });
    now = at(1);
    const again = await busError(send.mfa(mfaToken, { code: totpCodeAt(secret, now) }));
    expect(again.code).toBe(BusErrorCode.ValidationFailed);
    expect(fieldsOf(again)).toEqual(['mfaToken']);
    expect(fieldsOf(await busError(send.mfa('made-up-token', { code: '123456' })))).toEqual(['mfaToken']);
  });

  it('takes a recovery code once, in any case and with or without its dash', async () => {
    const { account, recoveryCodes } = await withTotp();
    const [first, second] = recoveryCodes;
    await expect(send.mfa(await mfaTokenOf(account), { recoveryCode: first })).resolves.toHaveProperty(
      'accessToken',
    );
    const reused = await busError(send.mfa(await mfaTokenOf(account), { recoveryCode: first }));
    expect(reused.code).toBe(BusErrorCode.ValidationFailed);
    expect(fieldsOf(reused)).toEqual(['recoveryCode']);

    const typed = second.replace('-', ' ').toUpperCase();
    await expect(send.mfa(await mfaTokenOf(account), { recoveryCode: typed })).resolves.toHaveProperty(
      'accessToken',
    );
  });

  it('counts wrong codes toward the account lockout, which then refuses even the right code', async () => {
    const { account, secret } = await withTotp();
    const right = totpCodeAt(secret, now);
    const wrong = right === '000000' ? '111111' : '000000';
    const mfaToken = await mfaTokenOf(account);
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect((await busError(send.mfa(mfaToken, { code: wrong }))).code).toBe(BusErrorCode.ValidationFailed);
    }
    // The password step does not clear the streak: a new mfaToken carries on counting.
    const next = await mfaTokenOf(account);
    expect((await busError(send.mfa(next, { code: wrong }))).code).toBe(BusErrorCode.ValidationFailed);
    const locked = await busError(send.mfa(next, { code: right }));
    expect(locked.code).toBe(BusErrorCode.RateLimited);
    expect(locked.extra.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // And so does the password login of the account.
    expect((await busError(send.login(account))).code).toBe(BusErrorCode.RateLimited);
  });
});

describe('managing two factors', () => {
  it('turns off with the password and a code, not with either alone', async () => {
    const { account, secret } = await withTotp();
    const wrongPassword = await busError(
      send.disable(account.login, 'not the password', totpCodeAt(secret, now)),
    );
    expect(fieldsOf(wrongPassword)).toEqual(['password']);
    const wrongCode = await busError(send.disable(account.login, PASSWORD, '000001'));
    expect(fieldsOf(wrongCode)).toEqual(['code']);

    await send.disable(account.login, PASSWORD, totpCodeAt(secret, now));
    expect((await send.me(account.login)).mfaEnabled).toBe(false);
    const session = asSession(await send.login(account));
    expect(claimsOf(session.accessToken).mfa).toBe(false);
    expect((await busError(send.disable(account.login, PASSWORD, totpCodeAt(secret, at(1))))).code).toBe(
      BusErrorCode.Conflict,
    );
  });

  it('regenerates recovery codes for a code: the old ones stop working, the new ones work', async () => {
    const { account, secret, recoveryCodes: old } = await withTotp();
    const { recoveryCodes: fresh } = await send.regenerate(account.login, totpCodeAt(secret, now));
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(old[0]);

    const stale = await busError(send.mfa(await mfaTokenOf(account), { recoveryCode: old[0] }));
    expect(fieldsOf(stale)).toEqual(['recoveryCode']);
    await expect(send.mfa(await mfaTokenOf(account), { recoveryCode: fresh[0] })).resolves.toHaveProperty(
      'accessToken',
    );
  });

  it('regenerating needs a right code', async () => {
    const { account, secret } = await withTotp();
    const wrong = totpCodeAt(secret, at(5));
    expect(fieldsOf(await busError(send.regenerate(account.login, wrong)))).toEqual(['code']);
  });
});
