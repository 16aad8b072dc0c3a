import { identityService, tenancyService } from './platform-services';
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
import { createOrg, joinAs, newUser } from './tenancy-support';
import { authHeader, jsonHeaders, postJson, signUpVerified, uniqueEmail, type PublicUser } from './users';

// Issue 18, the last two pieces of single sign-on, against the same real provider as oidc.e2e-spec.ts
// (oidc-provider in a child process): a signed-in user links a provider to the account, and an
// organisation that requires two factors trusts a provider's own MFA for the members it signed in.

const CONSOLE = 'https://console.northstar.test';
const PROVIDER = 'testidp';
/** The same provider under another id and client: one the organisations below do not trust. */
const OTHER = 'other';

interface LoginAnswer {
  accessToken: string;
  refreshToken: string;
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

describe('single sign-on: linking providers, and organisations trusting their MFA', () => {
  let idp: TestIdp;
  const services: RunningService[] = [];
  let gateway: RunningGateway;
  let url: (path: string) => string;

  beforeAll(async () => {
    idp = await startTestIdp();
    const port = await freePort();
    const env = {
      OIDC_PROVIDERS: JSON.stringify([
        { id: PROVIDER, name: 'Test IdP', issuer: idp.issuer, clientId: 'northstar' },
        { id: OTHER, name: 'Other IdP', issuer: idp.issuer, clientId: 'northstar-other' },
      ]),
      OIDC_CLIENT_SECRETS: JSON.stringify({ [PROVIDER]: 'idp-secret', [OTHER]: 'other-secret' }),
    };
    await migrateService(identityService, env);
    await migrateService(tenancyService);
    services.push(await startTestService(identityService, env));
    services.push(await startTestService(tenancyService));
    // Trusts X-Forwarded-For: each signed-up user is its own client for identity's per-IP limit.
    gateway = await startTestGateway({ PORT: String(port), PUBLIC_URL: CONSOLE, TRUST_PROXY: 'true' });
    url = (path: string) => `${gateway.url}/v1${path}`;
    await idp.configure([
      {
        client_id: 'northstar',
        client_secret: 'idp-secret',
        redirect_uris: [url(`/auth/oidc/${PROVIDER}/callback`)],
      },
      {
        client_id: 'northstar-other',
        client_secret: 'other-secret',
        redirect_uris: [url(`/auth/oidc/${OTHER}/callback`)],
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    for (const service of services.reverse()) await service.close();
    await idp?.close();
  });

  const callbackOf = (provider: string) => url(`/auth/oidc/${provider}/callback`);

  const newAccount = (email = uniqueEmail('sso'), emailVerified = true): IdpAccount => ({
    sub: `sub-${randomUUID()}`,
    email,
    email_verified: emailVerified,
    name: 'Ada Provider',
  });

  /** A whole single sign-on, as the console does it: the login answer of the exchange. */
  async function signIn(account: IdpAccount, provider = PROVIDER): Promise<LoginAnswer> {
    const browser = new CookieJar();
    const started = await browse(browser, url(`/auth/oidc/${provider}/start`));
    expect(started.status).toBe(302);
    const callbackUrl = await authorizeAtIdp(
      browser,
      started.headers.get('location') ?? '',
      account,
      callbackOf(provider),
    );
    const back = await browse(browser, callbackUrl);
    const code = new URL(back.headers.get('location') ?? '').searchParams.get('code');
    const answer = await postJson(url('/auth/oidc/exchange'), { code });
    expect(answer.status).toBe(200);
    return (await answer.json()) as LoginAnswer;
  }

  const linkRequest = (accessToken: string, provider = PROVIDER, body: unknown = {}) =>
    fetch(url(`/me/identities/oidc/${provider}`), {
      method: 'POST',
      headers: { ...authHeader(accessToken), ...jsonHeaders },
      body: JSON.stringify(body),
    });

  /** POST /v1/me/identities/oidc/:provider in a new browser, which keeps the state cookie it sets. */
  async function beginLink(accessToken: string, provider = PROVIDER, body: unknown = {}) {
    const browser = new CookieJar();
    const response = await linkRequest(accessToken, provider, body);
    expect(response.status).toBe(200);
    browser.take(response);
    const answer = (await response.json()) as { authorizationUrl: string };
    return { browser, answer, response };
  }

  /** Completes a begun link at the provider, as `account`: the console URL the callback lands on. */
  async function finishLink(
    { browser, answer }: Awaited<ReturnType<typeof beginLink>>,
    account: IdpAccount,
    provider = PROVIDER,
  ): Promise<URL> {
    const callbackUrl = await authorizeAtIdp(browser, answer.authorizationUrl, account, callbackOf(provider));
    const back = await browse(browser, callbackUrl);
    expect(back.status).toBe(302);
    return new URL(back.headers.get('location') ?? '');
  }

  /** The claims of an access token (read only: the gateway verifies them). */
  const claimsOf = (accessToken: string) =>
    JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;

  const identitiesOf = async (accessToken: string) =>
    (
      await getJson<{ items: LinkedIdentity[]; hasPassword: boolean }>(url('/me/identities'), {
        headers: authHeader(accessToken),
      })
    ).body;

  describe('linking a provider while signed in', () => {
    it('links an identity without a verified email to the signed-in account, which it then signs in', async () => {
      const user = await signUpVerified(gateway.url);
      // Another address, unverified at the provider: the session, not the email, proves the account.
      const account = newAccount(uniqueEmail('elsewhere'), false);

      const begun = await beginLink(user.accessToken);
      expect(begun.answer).toEqual({ authorizationUrl: expect.any(String) });
      const authorizationUrl = new URL(begun.answer.authorizationUrl);
      expect(authorizationUrl.origin).toBe(idp.issuer);
      expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(callbackOf(PROVIDER));
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      // The same binding to the browser as a sign-in's start.
      expect(begun.response.headers.getSetCookie()).toEqual([
        `northstar_oidc_state=${authorizationUrl.searchParams.get('state') ?? ''}; Path=/v1/auth/oidc; ` +
          'Max-Age=3600; HttpOnly; SameSite=Lax',
      ]);

      const landing = await finishLink(begun, account);
      expect(`${landing.origin}${landing.pathname}`).toBe(`${CONSOLE}/account/sign-in-methods`);
      expect([...landing.searchParams]).toEqual([['linked', PROVIDER]]);

      expect(await identitiesOf(user.accessToken)).toEqual({
        hasPassword: true,
        items: [
          {
            id: expect.any(String),
            provider: PROVIDER,
            providerName: 'Test IdP',
            email: account.email,
            createdAt: expect.any(String),
            lastUsedAt: null,
          },
        ],
      });

      // The provider now signs in this account, although its email is another and unverified.
      const signedIn = await signIn(account);
      expect(signedIn.user.id).toBe(user.user.id);
      expect((await identitiesOf(signedIn.accessToken)).items).toHaveLength(1);

      // Linking it again changes nothing, and lands on the console path asked for.
      const again = await finishLink(
        await beginLink(user.accessToken, PROVIDER, { redirect: '/account?tab=sso' }),
        account,
      );
      expect(`${again.origin}${again.pathname}`).toBe(`${CONSOLE}/account`);
      expect(Object.fromEntries(again.searchParams)).toEqual({ tab: 'sso', linked: PROVIDER });
      expect((await identitiesOf(user.accessToken)).items).toHaveLength(1);
    });

    it('refuses to link a provider account that signs in to another user', async () => {
      const account = newAccount();
      const holder = await signIn(account);
      const user = await signUpVerified(gateway.url);

      const landing = await finishLink(await beginLink(user.accessToken), account);
      expect(`${landing.origin}${landing.pathname}`).toBe(`${CONSOLE}/account/sign-in-methods`);
      expect([...landing.searchParams]).toEqual([['error', 'identity_in_use']]);

      expect(await identitiesOf(user.accessToken)).toEqual({ items: [], hasPassword: true });
      expect((await signIn(account)).user.id).toBe(holder.user.id);
    });

    it('voids a link whose session ended before the provider answered', async () => {
      const user = await signUpVerified(gateway.url);
      const begun = await beginLink(user.accessToken);
      const loggedOut = await postJson(url('/auth/logout'), { refreshToken: user.refreshToken });
      expect(loggedOut.status).toBe(204);

      const account = newAccount();
      const landing = await finishLink(begun, account);
      expect([...landing.searchParams]).toEqual([['error', 'session_ended']]);
      // Nothing was linked: the provider account is unknown, so it makes an account of its own.
      const signedIn = await signIn(account);
      expect(signedIn.user.id).not.toBe(user.user.id);
    });

    it('refuses an unknown provider (404), a redirect off the console (400), and no session (401)', async () => {
      const user = await signUpVerified(gateway.url);
      await expectProblem(await linkRequest(user.accessToken, 'nobody'), 404);
      const offsite = await expectProblem(
        await linkRequest(user.accessToken, PROVIDER, { redirect: '//evil.example.com/' }),
        400,
      );
      expect(offsite.errors).toEqual([{ field: 'redirect', message: expect.any(String) }]);
      await expectProblem(await fetch(url(`/me/identities/oidc/${PROVIDER}`), { method: 'POST' }), 401);
    });
  });

  describe("organisations trusting a provider's own MFA", () => {
    const getOrg = (orgId: string, accessToken: string) =>
      fetch(url(`/orgs/${orgId}`), { headers: authHeader(accessToken) });

    const patchOrg = (orgId: string, accessToken: string, body: unknown) =>
      fetch(url(`/orgs/${orgId}`), {
        method: 'PATCH',
        headers: { ...authHeader(accessToken), ...jsonHeaders },
        body: JSON.stringify(body),
      });

    it('lets in members signed in through a trusted provider, and not through another', async () => {
      const owner = await newUser(gateway.url, 'The Owner');
      const org = await createOrg(gateway.url, owner);
      const viewer = await joinAs(gateway.url, org.id, owner, 'viewer');
      expect(org).toMatchObject({ requireMfa: false, trustedMfaProviders: [] });

      const rules = { requireMfa: true, trustedMfaProviders: [PROVIDER] };
      // The owner's password session would be shut out by these rules: refused.
      const refused = await expectProblem(await patchOrg(org.id, owner.accessToken, rules), 403);
      expect(refused.type).toMatch(/mfa-required$/);
      // Signed in through the provider (linked to the owner by its verified email), the owner may.
      const ownerViaIdp = await signIn(newAccount(owner.email));
      expect(ownerViaIdp.user.id).toBe(owner.user.id);
      const patched = await patchOrg(org.id, ownerViaIdp.accessToken, rules);
      expect(patched.status).toBe(200);
      expect(await patched.json()).toMatchObject({ id: org.id, ...rules });

      // The viewer's password session has no second factor.
      const byPassword = await expectProblem(await getOrg(org.id, viewer.accessToken), 403);
      expect(byPassword.type).toMatch(/mfa-required$/);

      // Through the trusted provider: in, and still after a refresh (the session keeps the provider).
      const trusted = await signIn(newAccount(viewer.email));
      expect(trusted.user.id).toBe(viewer.user.id);
      const allowed = await getOrg(org.id, trusted.accessToken);
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toMatchObject({ id: org.id, role: 'viewer' });
      const refreshed = await postJson(url('/auth/refresh'), { refreshToken: trusted.refreshToken });
      expect(refreshed.status).toBe(200);
      const { accessToken } = (await refreshed.json()) as { accessToken: string };
      expect((await getOrg(org.id, accessToken)).status).toBe(200);
      expect(claimsOf(trusted.accessToken)).toMatchObject({ mfa: false, mfaVia: `oidc:${PROVIDER}` });
      expect(claimsOf(accessToken)).toMatchObject({ mfa: false, mfaVia: `oidc:${PROVIDER}` });
      expect(claimsOf(viewer.accessToken)).not.toHaveProperty('mfaVia');

      // Through a provider the organisation does not trust: refused like a password session.
      const untrusted = await signIn(newAccount(viewer.email), OTHER);
      expect(untrusted.user.id).toBe(viewer.user.id);
      const byOther = await expectProblem(await getOrg(org.id, untrusted.accessToken), 403);
      expect(byOther.type).toMatch(/mfa-required$/);
    });

    it('takes provider ids only, from owners only', async () => {
      const owner = await newUser(gateway.url, 'The Owner');
      const org = await createOrg(gateway.url, owner);
      const admin = await joinAs(gateway.url, org.id, owner, 'admin');
      const invalid = await expectProblem(
        await patchOrg(org.id, owner.accessToken, { trustedMfaProviders: ['Not An Id'] }),
        400,
      );
      expect(invalid.errors).toEqual([{ field: 'trustedMfaProviders', message: expect.any(String) }]);
      await expectProblem(
        await patchOrg(org.id, admin.accessToken, { trustedMfaProviders: [PROVIDER] }),
        403,
      );
      // Trusting a provider without requiring two factors changes nobody's access: the owner may.
      const trusting = await patchOrg(org.id, owner.accessToken, { trustedMfaProviders: [PROVIDER] });
      expect(trusting.status).toBe(200);
      expect(await trusting.json()).toMatchObject({ requireMfa: false, trustedMfaProviders: [PROVIDER] });
    });
  });
});
