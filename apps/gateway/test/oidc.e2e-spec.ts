import { identityService, SignIn } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  authorizeAtIdp,
  browse,
  CookieJar,
  freePort,
  startTestIdp,
  type IdpAccount,
  type TestIdp,
} from './oidc-idp';
import { expectProblem, getJson, migrateService, startTestGateway, startTestService } from './support';
import {
  authHeader,
  logIn,
  postJson,
  signUp,
  signUpVerified,
  TEST_PASSWORD,
  uniqueEmail,
  type PublicUser,
} from './users';

// Issue 18, single sign-on end to end and offline: a real OpenID Connect provider (oidc-provider, in a
// child process on loopback) and the gateway + identity as its relying party. The test plays the
// browser: it follows the redirects, completes the provider's interactions over HTTP, and lands on
// the console URL, whose one-time code it trades for the session as the console would.

const CONSOLE = 'https://console.northstar.test';
const PROVIDER = 'testidp';
/** The same provider again, as a public client (no secret) whose MFA the operator trusts. */
const TRUSTED = 'trusted';
const STATE_COOKIE = 'northstar_oidc_state';

interface LoginAnswer {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: PublicUser;
}

interface LinkedIdentity {
  id: string;
  provider: string;
  providerName: string;
  email: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

describe('single sign-on with an OpenID Connect provider', () => {
  let idp: TestIdp;
  let identity: RunningService;
  let gateway: RunningGateway;
  let url: (path: string) => string;
  let callbackPrefix: string;

  beforeAll(async () => {
    idp = await startTestIdp();
    const port = await freePort();
    const providers = JSON.stringify([
      {
        id: PROVIDER,
        name: 'Test IdP',
        issuer: idp.issuer,
        clientId: 'northstar',
        scopes: 'openid email profile',
      },
      { id: TRUSTED, name: 'Trusted IdP', issuer: idp.issuer, clientId: 'northstar-trusted', trustMfa: true },
    ]);
    const env = {
      OIDC_PROVIDERS: providers,
      OIDC_CLIENT_SECRETS: JSON.stringify({ [PROVIDER]: 'idp-secret' }),
    };
    await migrateService(identityService, env);
    identity = await startTestService(identityService, env);
    gateway = await startTestGateway({ PORT: String(port), PUBLIC_URL: CONSOLE, TRUST_PROXY: 'false' });
    url = (path: string) => `${gateway.url}/v1${path}`;
    callbackPrefix = url(`/auth/oidc/${PROVIDER}/callback`);
    await idp.configure([
      { client_id: 'northstar', client_secret: 'idp-secret', redirect_uris: [callbackPrefix] },
      {
        client_id: 'northstar-trusted',
        token_endpoint_auth_method: 'none',
        redirect_uris: [url(`/auth/oidc/${TRUSTED}/callback`)],
      },
    ]);
  }, 60_000);

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await gateway?.close();
    await identity?.close();
    await idp?.close();
  });

  /** The cookies of the browser of the last sign-in started: each start is a new browser. */
  let browser = new CookieJar();

  /** GET /start in a new browser: the provider's authorisation URL it redirects to. */
  async function start(query = '', provider = PROVIDER): Promise<URL> {
    browser = new CookieJar();
    const response = await browse(browser, url(`/auth/oidc/${provider}/start${query}`));
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location') ?? '');
  }

  /** The browser's way back: the gateway's callback, which answers a redirect to the console. */
  async function callback(callbackUrl: string, jar = browser): Promise<Response> {
    return browse(jar, callbackUrl);
  }

  /** Start → provider (signs `account` in) → the gateway's callback URL, before it is visited. */
  async function atProvider(
    account: IdpAccount,
    tamper: (authorizationUrl: URL) => void = () => undefined,
    query = '',
  ): Promise<string> {
    const authorizationUrl = await start(query);
    tamper(authorizationUrl);
    return authorizeAtIdp(browser, authorizationUrl.toString(), account, callbackPrefix);
  }

  /** The whole way to the console: its URL, with `code` or `error`. */
  async function signInAtConsole(account: IdpAccount, query = ''): Promise<URL> {
    const back = await callback(await atProvider(account, undefined, query));
    expect(back.status).toBe(302);
    return new URL(back.headers.get('location') ?? '');
  }

  const exchange = (code: string) => postJson(url('/auth/oidc/exchange'), { code });

  async function signIn(account: IdpAccount): Promise<LoginAnswer> {
    const landing = await signInAtConsole(account);
    const code = landing.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    const answer = await exchange(code ?? '');
    expect(answer.status).toBe(200);
    return (await answer.json()) as LoginAnswer;
  }

  const identitiesOf = async (accessToken: string) =>
    (
      await getJson<{ items: LinkedIdentity[]; hasPassword: boolean }>(url('/me/identities'), {
        headers: authHeader(accessToken),
      })
    ).body;

  const verifiedAccount = (email = uniqueEmail('sso')): IdpAccount => ({
    sub: `sub-${randomUUID()}`,
    email,
    email_verified: true,
    name: 'Ada Provider',
  });

  it('lists the configured providers', async () => {
    const { body } = await getJson<unknown>(url('/auth/oidc/providers'));
    expect(body).toEqual([
      { id: PROVIDER, name: 'Test IdP' },
      { id: TRUSTED, name: 'Trusted IdP' },
    ]);
  });

  it('redirects to the provider with PKCE (S256), state and nonce, the gateway callback as redirect URI', async () => {
    const authorizationUrl = await start('?redirect=%2Fprojects');
    expect(authorizationUrl.origin).toBe(idp.issuer);
    const params = authorizationUrl.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe('northstar');
    expect(params.get('redirect_uri')).toBe(callbackPrefix);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(params.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(params.get('scope')).toBe('openid email profile');
    // The state is bound to this browser: sent back on the provider's top-level redirect only.
    expect(browser.header()['cookie']).toBe(`${STATE_COOKIE}=${params.get('state') ?? ''}`);
    const raw = await fetch(url(`/auth/oidc/${PROVIDER}/start`), { redirect: 'manual' });
    expect(raw.headers.getSetCookie()).toEqual([
      expect.stringMatching(
        /^northstar_oidc_state=[\w-]+; Path=\/v1\/auth\/oidc; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
      ),
    ]);
  });

  it('refuses a redirect that is not a console path, and an unknown provider', async () => {
    for (const redirect of ['//evil.example.com/x', 'https://evil.example.com/', '/\\evil.example.com']) {
      const response = await fetch(
        url(`/auth/oidc/${PROVIDER}/start?redirect=${encodeURIComponent(redirect)}`),
        { redirect: 'manual' },
      );
      const problem = await expectProblem(response, 400);
      expect(problem.errors).toEqual([{ field: 'redirect', message: expect.any(String) }]);
    }
    await expectProblem(await fetch(url('/auth/oidc/nobody/start'), { redirect: 'manual' }), 404);
  });

  it('creates the user at the first sign-in, with the verified email, and signs the same user in the second time', async () => {
    const account = verifiedAccount();
    const landing = await signInAtConsole(account, '?redirect=%2Fprojects%3Ftab%3D1');
    // The console path the sign-in began with, and a one-time code: no token in the URL.
    expect(`${landing.origin}${landing.pathname}`).toBe(`${CONSOLE}/projects`);
    expect(landing.searchParams.get('tab')).toBe('1');
    expect([...landing.searchParams.keys()].sort()).toEqual(['code', 'tab']);

    const answer = await exchange(landing.searchParams.get('code') ?? '');
    expect(answer.status).toBe(200);
    const first = (await answer.json()) as LoginAnswer;
    expect(first).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
      user: { email: account.email, name: 'Ada Provider', emailVerified: true, role: 'user' },
    });
    const me = await getJson<PublicUser>(url('/me'), { headers: authHeader(first.accessToken) });
    expect(me.body.id).toBe(first.user.id);

    const second = await signIn(account);
    expect(second.user.id).toBe(first.user.id);
    expect(second.refreshToken).not.toBe(first.refreshToken);

    const identities = await identitiesOf(second.accessToken);
    expect(identities).toEqual({
      hasPassword: false,
      items: [
        {
          id: expect.any(String),
          provider: PROVIDER,
          providerName: 'Test IdP',
          email: account.email,
          createdAt: expect.any(String),
          lastUsedAt: expect.any(String),
        },
      ],
    });
  });

  it('trades a code once', async () => {
    const landing = await signInAtConsole(verifiedAccount());
    const code = landing.searchParams.get('code') ?? '';
    expect((await exchange(code)).status).toBe(200);
    const again = await expectProblem(await exchange(code), 400);
    expect(again.errors).toEqual([{ field: 'code', message: expect.any(String) }]);
    await expectProblem(await exchange('a-code-nobody-issued'), 400);
  });

  it('refuses a callback whose state was tampered with, and a state used twice', async () => {
    const callbackUrl = new URL(await atProvider(verifiedAccount()));
    const state = callbackUrl.searchParams.get('state') ?? '';
    expect(callbackUrl.searchParams.get('code')).toEqual(expect.any(String));
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', `${state}x`);
    const refused = await expectProblem(await callback(tampered.toString()), 400);
    expect(refused.errors).toEqual([{ field: 'state', message: expect.any(String) }]);
    // Even with a browser whose cookie was tampered with alike, identity knows no such state.
    const alike = new CookieJar();
    alike.set(STATE_COOKIE, `${state}x`);
    await expectProblem(await callback(tampered.toString(), alike), 400);

    const missing = new URL(callbackUrl);
    missing.searchParams.delete('state');
    await expectProblem(await callback(missing.toString()), 400);

    // The genuine answer still works once, and only once (even with the state cookie kept).
    const genuine = await callback(callbackUrl.toString());
    expect(genuine.status).toBe(302);
    expect(new URL(genuine.headers.get('location') ?? '').searchParams.get('code')).toEqual(
      expect.any(String),
    );
    const replay = new CookieJar();
    replay.set(STATE_COOKIE, state);
    await expectProblem(await callback(callbackUrl.toString(), replay), 400);
  });

  it('refuses a callback in a browser that did not start the sign-in (login CSRF)', async () => {
    // Someone completes a sign-in with their own provider account and sends the callback link on.
    const callbackUrl = await atProvider(verifiedAccount());
    const elsewhere = await expectProblem(await callback(callbackUrl, new CookieJar()), 400);
    expect(elsewhere.errors).toEqual([{ field: 'state', message: expect.any(String) }]);
    // In the browser that started it, the same link still signs in.
    const genuine = await callback(callbackUrl);
    expect(new URL(genuine.headers.get('location') ?? '').searchParams.get('code')).toEqual(
      expect.any(String),
    );
  });

  it('refuses an ID token whose nonce is not the one the sign-in sent', async () => {
    const account = verifiedAccount();
    const callbackUrl = await atProvider(account, (authorizationUrl) =>
      authorizationUrl.searchParams.set('nonce', 'a-nonce-of-someone-else-1234567890'),
    );
    const back = await callback(callbackUrl);
    expect(back.status).toBe(302);
    const landing = new URL(back.headers.get('location') ?? '');
    expect(landing.origin).toBe(CONSOLE);
    expect(landing.searchParams.get('error')).toBe('invalid_response');
    expect(landing.searchParams.get('code')).toBeNull();
  });

  it('passes a refusal of the provider on to the console as an error', async () => {
    const authorizationUrl = await start('?redirect=%2Fsign-in');
    const state = authorizationUrl.searchParams.get('state') ?? '';
    const back = await callback(
      `${callbackPrefix}?error=access_denied&error_description=no&state=${encodeURIComponent(state)}`,
    );
    expect(back.status).toBe(302);
    const landing = new URL(back.headers.get('location') ?? '');
    expect(`${landing.origin}${landing.pathname}`).toBe(`${CONSOLE}/sign-in`);
    expect(landing.searchParams.get('error')).toBe('access_denied');
  });

  it('does not let an unverified email take over the account that has it', async () => {
    const owner = await signUpVerified(gateway.url);
    const landing = await signInAtConsole({
      sub: `sub-${randomUUID()}`,
      email: owner.email,
      email_verified: false,
    });
    const problem = await expectProblem(await exchange(landing.searchParams.get('code') ?? ''), 409);
    expect(problem.type).toMatch(/oidc-email-unverified$/);
    expect(problem.detail).toMatch(/sign in with your password/);
    // The account is untouched: its password works, and no identity was linked to it.
    const session = await logIn(gateway.url, owner.email, TEST_PASSWORD);
    expect(await identitiesOf(session.accessToken)).toEqual({ items: [], hasPassword: true });
  });

  it('refuses to create an account without a verified email', async () => {
    const landing = await signInAtConsole({
      sub: `sub-${randomUUID()}`,
      email: uniqueEmail('unverified'),
      email_verified: false,
    });
    const problem = await expectProblem(await exchange(landing.searchParams.get('code') ?? ''), 422);
    expect(problem.type).toMatch(/oidc-email-unverified$/);
  });

  it('links a verified email to the account that has it, which keeps its password', async () => {
    const owner = await signUpVerified(gateway.url);
    const answer = await signIn(verifiedAccount(owner.email.toUpperCase()));
    expect(answer.user.id).toBe(owner.user.id);
    const session = await logIn(gateway.url, owner.email, TEST_PASSWORD);
    const identities = await identitiesOf(session.accessToken);
    expect(identities.hasPassword).toBe(true);
    expect(identities.items).toHaveLength(1);
  });

  it('voids the password of an account whose email was never verified when a provider proves the mailbox', async () => {
    // Someone registered the address first (never verified it): its owner signing in must not share
    // the account with whoever set that password.
    const squatter = await signUp(gateway.url);
    const answer = await signIn(verifiedAccount(squatter.email));
    expect(answer.user).toMatchObject({ id: squatter.user.id, emailVerified: true });
    const login = await postJson(url('/auth/login'), { email: squatter.email, password: TEST_PASSWORD });
    await expectProblem(login, 401);
    await expectProblem(await postJson(url('/auth/refresh'), { refreshToken: squatter.refreshToken }), 401);
  });

  it('unlinks an identity, but never the last way in', async () => {
    const onlySso = await signIn(verifiedAccount());
    const [only] = (await identitiesOf(onlySso.accessToken)).items;
    const last = await fetch(url(`/me/identities/${only?.id ?? ''}`), {
      method: 'DELETE',
      headers: authHeader(onlySso.accessToken),
    });
    await expectProblem(last, 409);

    const withPassword = await signUpVerified(gateway.url);
    await signIn(verifiedAccount(withPassword.email));
    const session = await logIn(gateway.url, withPassword.email, TEST_PASSWORD);
    const [linked] = (await identitiesOf(session.accessToken)).items;
    // Another user's identity is not found.
    await expectProblem(
      await fetch(url(`/me/identities/${linked?.id ?? ''}`), {
        method: 'DELETE',
        headers: authHeader(onlySso.accessToken),
      }),
      404,
    );
    const removed = await fetch(url(`/me/identities/${linked?.id ?? ''}`), {
      method: 'DELETE',
      headers: authHeader(session.accessToken),
    });
    expect(removed.status).toBe(204);
    expect(await identitiesOf(session.accessToken)).toEqual({ items: [], hasPassword: true });
  });

  describe('the last step of the sign-in (SignIn.complete)', () => {
    async function proofOf(provider: string, amr?: string[]) {
      const complete = jest.spyOn(SignIn.prototype, 'complete');
      const authorizationUrl = await start('', provider);
      const callbackUrl = await authorizeAtIdp(
        browser,
        authorizationUrl.toString(),
        { ...verifiedAccount(), ...(amr ? { amr } : {}) },
        url(`/auth/oidc/${provider}/callback`),
      );
      const landing = new URL((await callback(callbackUrl)).headers.get('location') ?? '');
      expect((await exchange(landing.searchParams.get('code') ?? '')).status).toBe(200);
      expect(complete).toHaveBeenCalledTimes(1);
      const proof = complete.mock.calls[0]?.[2];
      complete.mockRestore();
      return proof;
    }

    it('counts the provider MFA as the second factor only for a trusted provider whose amr says so', async () => {
      expect(await proofOf(TRUSTED, ['pwd', 'otp'])).toEqual({
        method: `oidc:${TRUSTED}`,
        secondFactor: true,
      });
      expect(await proofOf(TRUSTED, ['pwd'])).toEqual({ method: `oidc:${TRUSTED}`, secondFactor: false });
      expect(await proofOf(TRUSTED)).toEqual({ method: `oidc:${TRUSTED}`, secondFactor: false });
      expect(await proofOf(PROVIDER, ['mfa'])).toEqual({ method: `oidc:${PROVIDER}`, secondFactor: false });
    });

    it('hands its answer to the console unchanged (a second factor still owed)', async () => {
      const owed = { mfaRequired: true, mfaToken: 'an-mfa-token' };
      jest.spyOn(SignIn.prototype, 'complete').mockResolvedValue(owed as never);
      const landing = await signInAtConsole(verifiedAccount());
      const answer = await exchange(landing.searchParams.get('code') ?? '');
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual(owed);
    });
  });
});
