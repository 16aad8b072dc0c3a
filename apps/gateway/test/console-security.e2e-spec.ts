import { collectPageErrors, launchChromium } from '@northstar/testing/browser';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { checkScreen, ensureConsoleBuild, signInWithToken } from './console-analytics-support';
import {
  authorizeAtIdp,
  CookieJar,
  freePort,
  signInThroughIdp,
  startTestIdp,
  type TestIdp,
} from './oidc-idp';
import { createOrg, joinAs, newUser } from './tenancy-support';
import { logIn, uniqueEmail, type SignedUpUser } from './users';
import { startWholePlatform, type WholePlatform } from './whole-platform';

// The console's account security in a real browser against the whole platform: a user signs in,
// finds that requiring two factors of the organisation's members needs their own first, enrols an
// authenticator app (the codes computed here from the secret the screen shows), keeps the recovery
// codes, signs in again with a code and with a recovery code (which then works no more), requires two
// factors of the organisation's members, a member without them is shown the way to set them up, and
// the owner turns two factors off. Every screen: no page errors, no serious or critical axe violation
// at desktop width and at 375 px, a screenshot of each.

const STEP_MS = 30_000;
const PROVIDER = 'testidp';

let platform: WholePlatform;
let idp: TestIdp;
let url: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let owner: SignedUpUser;
let member: SignedUpUser;
let orgId: string;
let secret: string;
let recoveryCodes: string[];

/**
 * A code identity will take: it accepts one step either side of now, but each step once and never an
 * older one, so successive uses take later steps (waiting for the clock when one ahead was used).
 */
let lastStep = 0;
async function freshCode(): Promise<string> {
  const current = () => Math.floor(Date.now() / STEP_MS);
  const step = Math.max(lastStep + 1, current());
  while (step > current() + 1) await new Promise((resolve) => setTimeout(resolve, 500));
  lastStep = step;
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: step * STEP_MS,
  });
}

/** The errors so far, less the refusals a step provoked on purpose (the API's answer and Chromium's log of it). */
function unexpectedErrors(expected: RegExp[]): string[] {
  return errors.splice(0).filter((error) => !expected.some((pattern) => pattern.test(error)));
}

function watch(target: Page): string[] {
  const seen = collectPageErrors(target);
  target.on('response', (response) => {
    if (response.status() >= 400)
      seen.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return seen;
}

beforeAll(async () => {
  ensureConsoleBuild(process.env);
  // Single sign-on makes the account whose only way in is a provider: the provider must know the
  // gateway's callback, so the gateway's port is chosen beforehand.
  idp = await startTestIdp();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  platform = await startWholePlatform(
    'console-security',
    { PORT: String(port) },
    {
      identity: {
        OIDC_PROVIDERS: JSON.stringify([
          {
            id: PROVIDER,
            name: 'Test IdP',
            issuer: idp.issuer,
            clientId: 'northstar',
            scopes: 'openid email',
          },
        ]),
        OIDC_CLIENT_SECRETS: JSON.stringify({ [PROVIDER]: 'idp-secret' }),
      },
    },
  );
  await idp.configure([
    {
      client_id: 'northstar',
      client_secret: 'idp-secret',
      redirect_uris: [`${url}/v1/auth/oidc/${PROVIDER}/callback`],
    },
  ]);
  owner = await newUser(url, 'Security Owner');
  orgId = (await createOrg(url, owner, 'Security E2E')).id;
  member = await joinAs(url, orgId, owner, 'member');
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await context.newPage();
  errors = watch(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
  await idp?.close();
});

afterEach(() => {
  // Emptied each time, so that one failing step does not fail every later one.
  expect(errors.splice(0)).toEqual([]);
});

const main = () => page.getByRole('main');
const section = (name: string) => main().getByRole('region', { name });

async function signInWithPassword(): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut(): Promise<void> {
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
}

describe('console account security', () => {
  it('refuses to require two factors of members while the owner has none', async () => {
    await signInWithPassword();
    await page.waitForURL(/\/orgs\/[^/]+$/);
    await page.goto(`${url}/orgs/${orgId}/settings`);
    const requirement = section('Two-factor sign-in');
    await requirement.getByRole('link', { name: 'set up two-factor sign-in' }).waitFor();
    await requirement.getByLabel('Require two-factor sign-in for members').check();
    await requirement.getByRole('button', { name: 'Save requirement' }).click();
    await requirement.getByRole('alert').waitFor();
    expect(await requirement.getByRole('alert').textContent()).toMatch(/two/i);
    expect(unexpectedErrors([/^4\d\d PATCH .*\/v1\/orgs\//, /status of 4\d\d/])).toEqual([]);
    expect(await checkScreen(page, 'org-settings-require-mfa-refused')).toEqual({
      screen: 'org-settings-require-mfa-refused',
      problems: [],
    });
  });

  it('enrols an authenticator app and shows the recovery codes once', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Two-factor sign-in' })
      .click();
    await page.waitForURL(/\/account\/two-factor$/);
    await expect(page.getByTestId('mfa-status').textContent()).resolves.toBe('Status: off');
    expect(await checkScreen(page, 'two-factor-off')).toEqual({ screen: 'two-factor-off', problems: [] });

    await main().getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    const qr = main().getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    expect(await checkScreen(page, 'two-factor-enrol')).toEqual({ screen: 'two-factor-enrol', problems: [] });

    // A wrong code is refused beside its field.
    const codeField = main().getByLabel('Code from your authenticator app');
    await codeField.fill('000000');
    await main().getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await main().locator('.field-error').waitFor();
    expect(await codeField.getAttribute('aria-invalid')).toBe('true');
    expect(unexpectedErrors([/^400 POST .*\/v1\/me\/mfa\/totp\/confirm$/, /status of 400/])).toEqual([]);

    await codeField.fill(await freshCode());
    await main().getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    const list = page.getByTestId('recovery-codes');
    await list.waitFor();
    recoveryCodes = (await list.locator('code').allTextContents()).map((code) => code.trim());
    expect(recoveryCodes).toHaveLength(10);
    const download = main().getByRole('link', { name: 'Download as text' });
    expect(await download.getAttribute('download')).toBe('northstar-recovery-codes.txt');
    expect(decodeURIComponent((await download.getAttribute('href')) ?? '')).toBe(
      `data:text/plain;charset=utf-8,${recoveryCodes.join('\n')}\n`,
    );
    await main().getByRole('button', { name: 'Copy the codes' }).waitFor();
    expect(await checkScreen(page, 'two-factor-recovery-codes')).toEqual({
      screen: 'two-factor-recovery-codes',
      problems: [],
    });
    // Done only once the user says the codes are saved; then they are gone from the page.
    const done = main().getByRole('button', { name: 'Done' });
    expect(await done.isDisabled()).toBe(true);
    await main()
      .getByLabel(/I have saved my recovery codes/)
      .check();
    await done.click();
    await main().getByText('Two-factor sign-in is on.').waitFor();
    expect(await page.getByTestId('recovery-codes').count()).toBe(0);
    await expect(page.getByTestId('mfa-status').textContent()).resolves.toBe('Status: on');
    expect(await checkScreen(page, 'two-factor-on')).toEqual({ screen: 'two-factor-on', problems: [] });
  }, 120_000);

  it('asks for a code at the next sign-in', async () => {
    await signOut();
    await signInWithPassword();
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    expect(await checkScreen(page, 'login-second-factor')).toEqual({
      screen: 'login-second-factor',
      problems: [],
    });
    await page.getByLabel('Code from your authenticator app').fill(await freshCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/orgs\/[^/]+$/);
  }, 90_000);

  it('takes a recovery code once', async () => {
    await signOut();
    await signInWithPassword();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/orgs\/[^/]+$/);

    // Used: the same code is refused beside its field; another one still works.
    await signOut();
    await signInWithPassword();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    const field = page.getByLabel('Recovery code');
    await field.fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('.field-error').waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(unexpectedErrors([/^400 POST .*\/v1\/auth\/mfa$/, /status of 400/])).toEqual([]);
    await field.fill(recoveryCodes[1]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/orgs\/[^/]+$/);
  }, 60_000);

  it('lists the ways to sign in', async () => {
    await page.goto(`${url}/account/sign-in-methods`);
    await page.getByTestId('password-method').getByText('set', { exact: true }).waitFor();
    await main().getByText('No providers linked').waitFor();
    expect(await checkScreen(page, 'sign-in-methods')).toEqual({ screen: 'sign-in-methods', problems: [] });
  });

  it('links a provider to the signed-in account, and says so', async () => {
    await page.goto(`${url}/account/sign-in-methods`);
    await main().getByText('No providers linked').waitFor();
    // The provider's own pages are not the console's to test: the browser's way there ends in a 204
    // (which leaves the page as it is), the test signs in at the provider over HTTP, and the browser
    // then follows the provider's answer (with the state cookie the gateway set on it).
    await page.route(`${idp.issuer}/**`, (route) => route.fulfill({ status: 204 }));
    const leaving = page.waitForRequest((request) => request.url().startsWith(idp.issuer));
    await main().getByRole('button', { name: 'Link Test IdP', exact: true }).click();
    const authorizationUrl = (await leaving).url();
    const callbackUrl = await authorizeAtIdp(
      new CookieJar(),
      authorizationUrl,
      // Another email, not verified: linking from a signed-in session needs neither.
      { sub: `sub-${randomUUID()}`, email: uniqueEmail('linked-elsewhere'), email_verified: false },
      `${url}/v1/auth/oidc/${PROVIDER}/callback`,
    );
    await page.goto(callbackUrl);
    await page.waitForURL(/\/account\/sign-in-methods\?linked=testidp$/);
    await main().getByText('Test IdP is linked: you can sign in with it from now on.').waitFor();
    await main().getByTestId('identity').filter({ hasText: 'Test IdP' }).waitFor();
    expect(await main().getByRole('button', { name: 'Link Test IdP', exact: true }).count()).toBe(0);
    expect(await checkScreen(page, 'sign-in-methods-linked')).toEqual({
      screen: 'sign-in-methods-linked',
      problems: [],
    });
    // Chromium asks the provider's origin for its icon too: answered by the same 204 until here.
    await page.unroute(`${idp.issuer}/**`);
  }, 60_000);

  it('refuses to unlink the last way in, and says what to do instead', async () => {
    const signedIn = (await signInThroughIdp(url, PROVIDER, uniqueEmail('console-sso'))) as unknown as {
      refreshToken: string;
    };
    const ssoContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const ssoPage = await ssoContext.newPage();
    const ssoErrors = watch(ssoPage);
    await signInWithToken(ssoPage, url, signedIn.refreshToken, '/account/sign-in-methods');
    await ssoPage.getByTestId('password-method').getByText('not set', { exact: true }).waitFor();
    const row = ssoPage.getByTestId('identity').filter({ hasText: 'Test IdP' });
    await row.getByRole('button', { name: 'Unlink Test IdP' }).click();
    // The API's own words for the 409, and the way to a password beside them.
    await row.getByRole('alert').getByRole('link', { name: 'Set a password' }).waitFor();
    expect(await row.getByRole('alert').textContent()).toMatch(/only way to sign in/);
    expect(await checkScreen(ssoPage, 'sign-in-methods-last-way-in')).toEqual({
      screen: 'sign-in-methods-last-way-in',
      problems: [],
    });
    await ssoContext.close();
    expect(
      ssoErrors.filter(
        (error) => !/^409 DELETE .*\/v1\/me\/identities\//.test(error) && !/status of 409/.test(error),
      ),
    ).toEqual([]);
  }, 60_000);

  it('lets the owner require two factors, and shows a member without them the way there', async () => {
    await page.goto(`${url}/orgs/${orgId}/settings`);
    const requirement = section('Two-factor sign-in');
    await requirement.getByLabel('Require two-factor sign-in for members').check();
    // The company's provider checks two factors itself: a sign-in through it counts.
    await requirement.getByLabel('Test IdP').check();
    await requirement.getByRole('button', { name: 'Save requirement' }).click();
    await requirement.getByText('Members now need two-factor sign-in.').waitFor();
    await page.reload();
    expect(await section('Two-factor sign-in').getByLabel('Test IdP').isChecked()).toBe(true);
    expect(await checkScreen(page, 'org-settings-require-mfa')).toEqual({
      screen: 'org-settings-require-mfa',
      problems: [],
    });

    const memberContext = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
    });
    const memberPage = await memberContext.newPage();
    const memberErrors = watch(memberPage);
    const tokens = await logIn(url, member.email, member.password);
    await signInWithToken(memberPage, url, tokens.refreshToken, `/orgs/${orgId}`);
    const refusal = memberPage.getByRole('main').getByRole('alert');
    await refusal.getByText('This organisation requires two-factor sign-in', { exact: true }).waitFor();
    expect(await checkScreen(memberPage, 'org-mfa-required')).toEqual({
      screen: 'org-mfa-required',
      problems: [],
    });
    // The organisation's other screens say the same; the account still opens, to set them up.
    await memberPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await memberPage
      .getByRole('main')
      .getByText('This organisation requires two-factor sign-in', { exact: true })
      .waitFor();
    await memberPage.getByRole('main').getByRole('link', { name: 'Set up two-factor sign-in' }).click();
    await memberPage.waitForURL(/\/account\/two-factor$/);
    await memberPage.getByRole('button', { name: 'Set up two-factor sign-in' }).waitFor();
    await memberContext.close();
    expect(
      memberErrors.filter((error) => !/^403 GET .*\/v1\/orgs\//.test(error) && !/status of 403/.test(error)),
    ).toEqual([]);
  }, 60_000);

  it('turns two factors off with the password and a code', async () => {
    await page.goto(`${url}/account/two-factor`);
    const off = section('Turn off two-factor sign-in');
    await off.getByLabel('Password').fill(owner.password);
    await off.getByLabel('Code from your authenticator app').fill(await freshCode());
    await off.getByRole('button', { name: 'Turn off' }).click();
    await main().getByText('Two-factor sign-in is off.').waitFor();
    await expect(page.getByTestId('mfa-status').textContent()).resolves.toBe('Status: off');
    await main().getByRole('button', { name: 'Set up two-factor sign-in' }).waitFor();
  }, 90_000);
});
