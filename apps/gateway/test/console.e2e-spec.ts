/* eslint-disable @nx/enforce-module-boundaries -- the console's API types are generated from this gateway's
   OpenAPI document: this suite regenerates them from the running gateway to hold the committed file to it */
import { openApiToTypeScript, SCHEMA_FILE, type OpenApiDocument } from '../../console/scripts/openapi-types';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '@northstar/testing';
import { collectPageErrors, launchChromium } from '@northstar/testing/browser';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually } from './support';
import { uniqueEmail } from './users';
import { startWholePlatform, type WholePlatform } from './whole-platform';

// The web console in a real browser against the whole platform, the gateway serving the built console:
// a new user signs up, verifies through the emailed link, creates an organisation, a project and keys,
// sees the first event arrive, invites a viewer who sees no admin controls, and revokes a key that the
// API then refuses. Every screen passes axe (no serious or critical violations) and is photographed.

const ROOT = join(__dirname, '..', '..', '..');
const CONSOLE_BUILD = join(ROOT, 'dist', 'console', 'index.html');
const SCREENSHOTS = join(ROOT, '.data', 'screenshots', 'console');
const PASSWORD = 'console e2e passphrase';
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let smtp: TestSmtp;
let platform: WholePlatform;
let url: string;
let browser: Browser;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  // The gateway serves dist/console when it starts: build it first if a plain `jest` run comes first.
  if (!existsSync(CONSOLE_BUILD)) {
    execFileSync(process.execPath, [join(ROOT, 'apps', 'console', 'scripts', 'build.mjs')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  if (!existsSync(CONSOLE_BUILD)) throw new Error(`No console build at ${CONSOLE_BUILD}: run npm run build`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  smtp = await startTestSmtp();
  // The emailed links point at the gateway (PUBLIC_URL), so its port is chosen beforehand.
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  platform = await startWholePlatform(
    'console',
    { PORT: String(port) },
    { notifications: { SMTP_URL: smtp.url, PUBLIC_URL: url, EMAIL_RETRY_DELAY_MS: '200' } },
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
  await smtp?.stop();
});

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe on the page: no serious or critical violation; then a full-page screenshot named `name`. */
async function checkScreen(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  // Evaluated, not added as a <script>: the console's Content-Security-Policy refuses inline scripts,
  // and the test keeps that policy on so that a violation by the console shows up as a page error.
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    'axe.run(document, { resultTypes: ["violations"] }).then((result) => result.violations)',
  )) as AxeViolation[];
  const bad = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.map((node) => node.target))}`,
    );
  expect({ screen: name, violations: bad }).toEqual({ screen: name, violations: [] });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const mailTo = (email: string, subject: RegExp): Promise<ReceivedMail> =>
  smtp.waitFor((mail) => mail.to.includes(email.toLowerCase()) && subject.test(mail.subject), 20_000);

/** The first link to `path` in an email, as the user would click it. */
function linkIn(mail: ReceivedMail, path: string): string {
  for (const match of mail.text.matchAll(/https?:\/\/[^\s"'<>]+/g)) {
    if (new URL(match[0]).pathname === path) return match[0];
  }
  throw new Error(`No link to ${path} in:\n${mail.text}`);
}

async function newPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  // The console message of a failed request does not name it: the response does.
  page.on('response', (response) => {
    if (response.status() >= 400)
      errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return { page, errors };
}

function sendEvent(key: string): Promise<Response> {
  return fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ batch: [{ type: 'track', event: 'Console Test', anonymousId: 'console-e2e' }] }),
  });
}

describe('the web console', () => {
  it("types its API client from this gateway's OpenAPI document", async () => {
    const document = (await (await fetch(`${url}/docs-json`)).json()) as OpenApiDocument;
    const expected = openApiToTypeScript(document);
    // On failure: `npm run console:api-types -- <a running gateway's URL>` and commit the result.
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(expected);
  });

  it('serves the console at / and its paths, and keeps the API, docs and ops 404s', async () => {
    for (const path of ['/', '/login', '/verify-email?token=x', '/projects/abc/keys']) {
      const response = await fetch(`${url}${path}`);
      expect([path, response.status, response.headers.get('content-type')]).toEqual([
        path,
        200,
        'text/html; charset=utf-8',
      ]);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    for (const path of ['/v1/no-such-route', '/assets/no-such-file.js']) {
      const response = await fetch(`${url}${path}`);
      expect([path, response.status, response.headers.get('content-type')]).toEqual([
        path,
        404,
        expect.stringContaining('application/problem+json'),
      ]);
    }
    expect((await fetch(`${url}/docs-json`)).status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('refreshes the session once when the API refuses an access token, then carries on', async () => {
    const context = await browser.newContext();
    const { page, errors } = await newPage(context);
    await page.goto(`${url}/signup`);
    await page.getByLabel('Your name').fill('Ref Resh');
    await page.getByLabel('Email').fill(uniqueEmail('console-refresh'));
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${url}/orgs/new`);

    // After a reload only the stored refresh token is left; the first /v1/me is refused as an expired
    // access token would be: the console refreshes again and repeats the call.
    const refreshes: number[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/v1/auth/refresh')) refreshes.push(response.status());
    });
    let refused = false;
    await page.route('**/v1/me', async (route) => {
      if (refused) return route.continue();
      refused = true;
      await route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'expired' }),
      });
    });
    await page.reload();
    await page.getByRole('heading', { name: /create your organisation/i }).waitFor();
    expect(refreshes).toEqual([200, 200]);
    expect(errors.filter((error) => !error.includes('401'))).toEqual([]);
    await context.close();
  });

  it('takes a new user from sign-up to a first event, keys and a teammate', async () => {
    const owner = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, errors } = await newPage(owner);
    const email = uniqueEmail('console-owner');

    // Sign up.
    await page.goto(`${url}/signup`);
    await checkScreen(page, 'signup');
    await page.getByLabel('Your name').fill('Ada Console');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${url}/orgs/new`);
    await page.getByRole('heading', { name: /create your organisation/i }).waitFor();
    await checkScreen(page, 'new-organisation');

    // Verify through the emailed link.
    const verification = await mailTo(email, /confirm your email/i);
    await page.goto(linkIn(verification, '/verify-email'));
    await page.getByText('Your email is verified.').waitFor();
    await checkScreen(page, 'verify-email');
    await page.getByRole('link', { name: 'Continue to the console' }).click();

    // Organisation, then project: the onboarding shows a key once and waits for the first event.
    await page.waitForURL(`${url}/orgs/new`);
    await page.getByLabel('Organisation name').fill('Console E2E');
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await page.waitForURL(/\/orgs\/[^/]+\/projects\/new$/);
    const orgId = new URL(page.url()).pathname.split('/')[2];
    await checkScreen(page, 'new-project');
    await page.getByLabel('Project name').fill('Web Shop');
    await page.getByLabel('Kind').selectOption('hybrid');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[^/]+\/onboarding$/);
    const projectId = new URL(page.url()).pathname.split('/')[2];
    const key = (await page.getByTestId('new-key').innerText()).trim();
    expect(key).toMatch(/^nsk_/);
    await page.getByText('Waiting for your first event').waitFor();
    await checkScreen(page, 'onboarding');

    expect((await sendEvent(key)).status).toBe(202);
    await page.getByTestId('first-event').waitFor({ timeout: 45_000 });
    expect(await page.getByTestId('first-event').innerText()).toContain('Console Test');
    await checkScreen(page, 'onboarding-first-event');

    // Keys: create one (shown once), open it, revoke it; the API refuses it afterwards.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(`${url}/projects/${projectId}/keys`);
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByLabel('Key name').fill('Backend');
    await page.getByLabel(/analytics:read/).check();
    await page.getByLabel(/^rpc/).check();
    await page.getByLabel('Rate limit (optional)').fill('1000');
    await checkScreen(page, 'keys-create');
    await page.getByRole('button', { name: 'Create key' }).click();
    const backendKey = (await page.getByTestId('new-key').innerText()).trim();
    expect(backendKey).toMatch(/^nsk_/);
    expect(backendKey).not.toBe(key);
    await checkScreen(page, 'keys-created');
    expect((await sendEvent(backendKey)).status).toBe(202);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('link', { name: 'Backend' }).click();
    await page.getByRole('heading', { name: 'RPC endpoints' }).waitFor();
    await page.getByRole('button', { name: /copy ethereum http url/i }).waitFor();
    await page.getByText('requests', { exact: false }).first().waitFor();
    await checkScreen(page, 'key-detail');
    // Rotation: a new key, shown once; the old one keeps working for the overlap.
    await page.getByLabel('Overlap (seconds)').fill('600');
    await page.getByRole('button', { name: 'Rotate key' }).click();
    await page.getByText(/The previous key keeps working until/).waitFor();
    const rotatedKey = (await page.getByTestId('new-key').innerText()).trim();
    expect(rotatedKey).toMatch(/^nsk_/);
    expect(rotatedKey).not.toBe(backendKey);
    await checkScreen(page, 'key-rotated');
    expect((await sendEvent(rotatedKey)).status).toBe(202);
    expect((await sendEvent(backendKey)).status).toBe(202);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('button', { name: 'Yes, revoke the key' }).click();
    await page.waitForURL(`${url}/projects/${projectId}/keys`);
    await page.getByText('revoked').waitFor();
    await checkScreen(page, 'keys');
    await eventually(async () => expect((await sendEvent(rotatedKey)).status).toBe(401), {
      timeoutMs: 10_000,
      intervalMs: 200,
    });

    // Invite a viewer.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await page
      .getByRole('heading', { name: /members/i })
      .first()
      .waitFor();
    const viewerEmail = uniqueEmail('console-viewer');
    await page.getByLabel('Email').fill(viewerEmail);
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${viewerEmail}.`).waitFor();
    await page.getByRole('cell', { name: viewerEmail, exact: true }).waitFor();
    // An invitation sent by mistake is revoked: it leaves the pending list.
    const mistakeEmail = uniqueEmail('console-mistake');
    await page.getByLabel('Email').fill(mistakeEmail);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('cell', { name: mistakeEmail, exact: true }).waitFor();
    await page.getByRole('button', { name: `Revoke the invitation of ${mistakeEmail}` }).click();
    await page.getByText(`The invitation of ${mistakeEmail} is revoked`).waitFor();
    await page.getByRole('cell', { name: mistakeEmail, exact: true }).waitFor({ state: 'detached' });
    await checkScreen(page, 'members');
    await page.goto(`${url}/orgs/${orgId}/settings`);
    await page.getByRole('button', { name: 'Delete organisation' }).waitFor();
    await checkScreen(page, 'org-settings');
    await page.goto(`${url}/projects/${projectId}/settings`);
    await page.getByRole('button', { name: 'Delete project' }).waitFor();
    await checkScreen(page, 'project-settings');

    // The viewer follows the emailed link, signs up and accepts; they see no admin controls.
    const invitation = await mailTo(viewerEmail, /invit/i);
    const viewer = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const { page: viewerPage, errors: viewerErrors } = await newPage(viewer);
    await viewerPage.goto(linkIn(invitation, '/invitations/accept'));
    await checkScreen(viewerPage, 'accept-invitation-signed-out');
    await viewerPage.getByRole('link', { name: 'Create an account' }).click();
    await viewerPage.getByLabel('Your name').fill('Vic Viewer');
    await viewerPage.getByLabel('Email').fill(viewerEmail);
    await viewerPage.getByLabel('Password').fill(PASSWORD);
    await viewerPage.getByRole('button', { name: 'Create account' }).click();
    // Only a verified address may accept: the console says so, and the verification leads back.
    await viewerPage.getByRole('heading', { name: 'Verify your email first' }).waitFor();
    await checkScreen(viewerPage, 'accept-invitation-unverified');
    await viewerPage.goto(linkIn(await mailTo(viewerEmail, /confirm your email/i), '/verify-email'));
    await viewerPage.getByRole('link', { name: 'Continue to your invitation' }).click();
    await viewerPage.getByRole('button', { name: 'Accept invitation' }).waitFor();
    await checkScreen(viewerPage, 'accept-invitation');
    await viewerPage.getByRole('button', { name: 'Accept invitation' }).click();
    await viewerPage.waitForURL(/\/orgs\/[^/]+$/);
    await viewerPage.getByRole('link', { name: 'Web Shop' }).waitFor();
    await checkScreen(viewerPage, 'viewer-projects');
    await viewerPage.goto(`${url}${new URL(viewerPage.url()).pathname}/members`);
    await viewerPage.getByRole('cell', { name: email, exact: true }).waitFor();
    await checkScreen(viewerPage, 'viewer-members');
    expect(await viewerPage.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    expect(await viewerPage.getByRole('button', { name: /send invitation|remove/i }).count()).toBe(0);
    expect(await viewerPage.getByRole('combobox', { name: /role of/i }).count()).toBe(0);
    // At 375 px the navigation folds behind the menu button.
    await viewerPage.goto(`${url}/projects/${projectId}`);
    expect(await viewerPage.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    await viewerPage.getByRole('button', { name: 'Menu' }).click();
    await viewerPage
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'API keys' })
      .click();
    await viewerPage.waitForURL(`${url}/projects/${projectId}/keys`);
    await viewerPage.getByRole('link', { name: 'Backend' }).waitFor();
    expect(await viewerPage.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    await checkScreen(viewerPage, 'viewer-keys');
    await viewerPage.goto(`${url}/projects/${projectId}/settings`);
    await viewerPage.getByText("Only admins change a project's settings.").waitFor();
    expect(await viewerPage.getByRole('button', { name: /delete|save/i }).count()).toBe(0);
    await checkScreen(viewerPage, 'viewer-project-settings');
    // At 375 px nothing spills sideways (tables scroll inside their own box).
    expect(await viewerPage.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await viewer.close();

    // Account and sessions; signing out the current session returns to the sign-in page.
    await page.goto(`${url}/account`);
    await page.getByText('verified', { exact: true }).waitFor();
    await checkScreen(page, 'account');
    await page.goto(`${url}/account/sessions`);
    await page.getByText('this browser').waitFor();
    await checkScreen(page, 'sessions');
    await page
      .getByRole('row', { name: /this browser/ })
      .getByRole('button', { name: /sign out/i })
      .click();
    await page.waitForURL(/\/login/);
    await checkScreen(page, 'login');

    // A forgotten password: the emailed link leads to a new one, which signs in.
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(email);
    await checkScreen(page, 'forgot-password');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText(/we sent it a link/).waitFor();
    await page.goto(linkIn(await mailTo(email, /password/i), '/reset-password'));
    await checkScreen(page, 'reset-password');
    const newPassword = 'a new console passphrase';
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed').waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orgs\/[^/]+$/);
    await page.getByRole('link', { name: 'Web Shop' }).waitFor();
    await owner.close();

    expect({ owner: errors, viewer: viewerErrors }).toEqual({ owner: [], viewer: [] });
  }, 240_000);
});
