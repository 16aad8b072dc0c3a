import type { RunningService } from '@northstar/service-runtime';
import { Secret, TOTP } from 'otpauth';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { Clock, identityService, tenancyService } from './platform-services';
import { expectProblem, migrateService, startTestGateway, startTestService } from './support';
import { call, createOrg, joinAs, newUser, type TestOrg } from './tenancy-support';
import { clientAddress, postJson, TEST_PASSWORD, type SignedUpUser } from './users';

// Two-factor sign-in over HTTP: enrolment, the two-step login, recovery codes, and organisations that
// require two factors. Identity's clock stands still (and moves only when a test says so): the codes
// are computed here, from the secret the API handed out, with the same RFC 6238 parameters an app uses.

const STEP_MS = 30_000;
let now = new Date('2026-12-05T15:00:00.000Z');
const at = (steps: number) => new Date(now.getTime() + steps * STEP_MS);

function codeOf(secret: string, when = now): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: when.getTime(),
  });
}

interface Enrolment {
  secret: string;
  otpauthUrl: string;
  qr: string;
}

describe('two-factor sign-in through the gateway', () => {
  const services: RunningService[] = [];
  let gateway: RunningGateway;
  let url: string;

  beforeAll(async () => {
    await migrateService(identityService);
    await migrateService(tenancyService);
    services.push(await startTestService(identityService));
    services.push(await startTestService(tenancyService));
    gateway = await startTestGateway({ TRUST_PROXY: 'true' });
    url = gateway.url;
    jest.spyOn(services[0].app.get(Clock, { strict: false }), 'now').mockImplementation(() => new Date(now));
  });

  afterAll(async () => {
    await gateway?.close();
    for (const service of services.reverse()) await service.close();
  });

  beforeEach(() => {
    now = new Date(now.getTime() + 3600_000);
  });

  const login = (user: SignedUpUser) =>
    postJson(`${url}/v1/auth/login`, { email: user.email, password: TEST_PASSWORD }, clientAddress());
  const completeMfa = (body: unknown) => postJson(`${url}/v1/auth/mfa`, body, clientAddress());

  async function mfaTokenOf(user: SignedUpUser): Promise<string> {
    const answer = await login(user);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { mfaRequired?: true; mfaToken?: string };
    expect(body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresIn: 300 });
    return body.mfaToken as string;
  }

  /** Enrols and confirms an app for `user`; answers the secret and the recovery codes. */
  async function turnOn(user: SignedUpUser): Promise<{ secret: string; recoveryCodes: string[] }> {
    const enrolled = await call<Enrolment>(url, 'POST', '/me/mfa/totp', user);
    expect(enrolled.status).toBe(201);
    const confirmed = await call<{ recoveryCodes: string[] }>(url, 'POST', '/me/mfa/totp/confirm', user, {
      code: codeOf(enrolled.body.secret, at(-1)),
    });
    expect(confirmed.status).toBe(200);
    return { secret: enrolled.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
  }

  /** Signs `user` in with both factors; `user`'s tokens become the new session's. */
  async function signInWithCode(user: SignedUpUser, secret: string): Promise<SignedUpUser> {
    const answer = await completeMfa({ mfaToken: await mfaTokenOf(user), code: codeOf(secret) });
    expect(answer.status).toBe(200);
    const session = (await answer.json()) as { accessToken: string; refreshToken: string };
    return { ...user, accessToken: session.accessToken, refreshToken: session.refreshToken };
  }

  async function refreshed(user: SignedUpUser): Promise<SignedUpUser> {
    const answer = await postJson(
      `${url}/v1/auth/refresh`,
      { refreshToken: user.refreshToken },
      clientAddress(),
    );
    expect(answer.status).toBe(200);
    const pair = (await answer.json()) as { accessToken: string; refreshToken: string };
    return { ...user, ...pair };
  }

  it('enrols an app, confirms it with a code, and shows it on GET /v1/me', async () => {
    const user = await newUser(url);
    const enrolled = await call<Enrolment>(url, 'POST', '/me/mfa/totp', user);
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toEqual({
      secret: expect.stringMatching(/^[A-Z2-7]+$/),
      otpauthUrl: expect.stringMatching(/^otpauth:\/\/totp\//),
      qr: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
    });

    const wrong = await call(url, 'POST', '/me/mfa/totp/confirm', user, {
      code: codeOf(enrolled.body.secret, at(3)),
    });
    const problem = await expectProblem(wrong.response, 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(['code']);
    const malformed = await expectProblem(
      (await call(url, 'POST', '/me/mfa/totp/confirm', user, { code: 'abc' })).response,
      400,
    );
    expect(malformed.errors?.map((error) => error.field)).toEqual(['code']);

    const confirmed = await call<{ recoveryCodes: string[] }>(url, 'POST', '/me/mfa/totp/confirm', user, {
      code: codeOf(enrolled.body.secret),
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect((await call<{ mfaEnabled: boolean }>(url, 'GET', '/me', user)).body.mfaEnabled).toBe(true);
  });

  it('signs in in two steps: mfaRequired, then a code; a replayed code is refused', async () => {
    const user = await newUser(url);
    const { secret } = await turnOn(user);

    const code = codeOf(secret);
    const first = await completeMfa({ mfaToken: await mfaTokenOf(user), code });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      user: { id: user.user.id, mfaEnabled: true },
    });

    const replay = await expectProblem(await completeMfa({ mfaToken: await mfaTokenOf(user), code }), 400);
    expect(replay.errors).toEqual([
      { field: 'code', message: 'code was already used; wait for the next one' },
    ]);
    const unknown = await completeMfa({ mfaToken: 'no-such-token', code: codeOf(secret, at(1)) });
    expect((await expectProblem(unknown, 400)).errors?.map((error) => error.field)).toEqual(['mfaToken']);
    const neither = await expectProblem(await completeMfa({ mfaToken: await mfaTokenOf(user) }), 400);
    expect(neither.errors?.map((error) => error.field)).toEqual(['code']);
  });

  it('takes a recovery code once, and regenerated codes replace the old ones', async () => {
    const user = await newUser(url);
    const { secret, recoveryCodes } = await turnOn(user);
    expect(
      (await completeMfa({ mfaToken: await mfaTokenOf(user), recoveryCode: recoveryCodes[0] })).status,
    ).toBe(200);
    const again = await expectProblem(
      await completeMfa({ mfaToken: await mfaTokenOf(user), recoveryCode: recoveryCodes[0] }),
      400,
    );
    expect(again.errors?.map((error) => error.field)).toEqual(['recoveryCode']);

    const fresh = await call<{ recoveryCodes: string[] }>(url, 'POST', '/me/mfa/recovery-codes', user, {
      code: codeOf(secret),
    });
    expect(fresh.status).toBe(200);
    await expectProblem(
      await completeMfa({ mfaToken: await mfaTokenOf(user), recoveryCode: recoveryCodes[1] }),
      400,
    );
    expect(
      (await completeMfa({ mfaToken: await mfaTokenOf(user), recoveryCode: fresh.body.recoveryCodes[1] }))
        .status,
    ).toBe(200);
  });

  it('locks the account after repeated wrong codes (429 with Retry-After)', async () => {
    const user = await newUser(url);
    const { secret } = await turnOn(user);
    const mfaToken = await mfaTokenOf(user);
    const wrong = codeOf(secret, at(7));
    for (let attempt = 1; attempt <= 5; attempt++)
      await expectProblem(await completeMfa({ mfaToken, code: wrong }), 400);
    const locked = await completeMfa({ mfaToken, code: codeOf(secret) });
    await expectProblem(locked, 429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('turns off only with the password and a code', async () => {
    const user = await newUser(url);
    const { secret } = await turnOn(user);
    const badPassword = await call(url, 'DELETE', '/me/mfa/totp', user, {
      password: 'not it',
      code: codeOf(secret),
    });
    expect((await expectProblem(badPassword.response, 400)).errors?.map((error) => error.field)).toEqual([
      'password',
    ]);

    const off = await call(url, 'DELETE', '/me/mfa/totp', user, {
      password: TEST_PASSWORD,
      code: codeOf(secret, at(1)),
    });
    expect(off.status).toBe(204);
    const plain = await login(user);
    expect(await plain.json()).toHaveProperty('accessToken');
  });

  describe('an organisation that requires two factors', () => {
    let owner: SignedUpUser;
    let ownerSecret: string;
    let member: SignedUpUser;
    let org: TestOrg;
    let projectId: string;

    beforeAll(async () => {
      owner = await newUser(url, 'Strict Owner');
      org = await createOrg(url, owner, 'Strict Org');
      member = await joinAs(url, org.id, owner, 'member');
      const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
        name: 'Strict Project',
        kind: 'web2',
      });
      expect(project.status).toBe(201);
      projectId = project.body.id;
    });

    it('is set by an owner who has two factors, on the next token refresh at the latest', async () => {
      const tooEarly = await call(url, 'PATCH', `/orgs/${org.id}`, owner, { requireMfa: true });
      expect((await expectProblem(tooEarly.response, 403)).type).toMatch(/\/problems\/mfa-required$/);

      ownerSecret = (await turnOn(owner)).secret;
      // The access token of before still says no second factor; a refresh picks it up.
      owner = await refreshed(owner);
      const set = await call<{ requireMfa: boolean }>(url, 'PATCH', `/orgs/${org.id}`, owner, {
        requireMfa: true,
      });
      expect(set.status).toBe(200);
      expect(set.body.requireMfa).toBe(true);
    });

    it("answers 403 mfa-required to a member without two factors, on the organisation's and its projects' routes", async () => {
      for (const path of [
        `/orgs/${org.id}`,
        `/orgs/${org.id}/members`,
        `/orgs/${org.id}/projects`,
        `/projects/${projectId}`,
      ]) {
        const answer = await call(url, 'GET', path, member);
        const problem = await expectProblem(answer.response, 403);
        expect(problem.type).toMatch(/\/problems\/mfa-required$/);
      }
      // Routes of no organisation in particular still answer.
      expect((await call(url, 'GET', '/orgs', member)).status).toBe(200);
      expect((await call(url, 'GET', '/me', member)).status).toBe(200);
      // Still a stranger's 404 for non-members: the rule reveals nothing.
      const stranger = await newUser(url);
      await expectProblem((await call(url, 'GET', `/orgs/${org.id}`, stranger)).response, 404);
    });

    it('lets the member in once enrolled, from the next refresh (or sign-in)', async () => {
      await turnOn(member);
      await expectProblem((await call(url, 'GET', `/orgs/${org.id}`, member)).response, 403);
      member = await refreshed(member);
      expect((await call(url, 'GET', `/orgs/${org.id}`, member)).status).toBe(200);
      expect((await call(url, 'GET', `/projects/${projectId}`, member)).status).toBe(200);

      const signedIn = await signInWithCode(owner, ownerSecret);
      expect((await call(url, 'GET', `/orgs/${org.id}`, signedIn)).status).toBe(200);
    });

    it('is owner-only to change', async () => {
      const admin = await joinAs(url, org.id, owner, 'admin');
      const { secret } = await turnOn(admin);
      const withMfa = await signInWithCode(admin, secret);
      const refused = await call(url, 'PATCH', `/orgs/${org.id}`, withMfa, { requireMfa: false });
      const problem = await expectProblem(refused.response, 403);
      expect(problem.type).not.toMatch(/mfa-required$/);
    });
  });
});
