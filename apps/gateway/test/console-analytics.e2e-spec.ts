import { collectPageErrors, launchChromium } from '@northstar/testing/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkScreen, ensureConsoleBuild, signInWithToken } from './console-analytics-support';
import { eventually } from './support';
import { call, createOrg, newUser } from './tenancy-support';
import { logIn, type SignedUpUser } from './users';
import { startWholePlatform, type WholePlatform } from './whole-platform';

// The console's analytics and alerting screens in a real browser against the whole platform, the
// gateway serving the built console. The user, organisation, project and key are made over the API
// (the sign-up screens have their own suite); events are sent with the key; then the browser reads
// them on the overview, follows a top event into the filtered events list, builds a funnel, watches
// a new event arrive in the live list and opens it, creates an alert, sends a test and finds it in the
// inbox, sees an alert fire, and reads the organisation's and the keys' usage. Every screen: no page
// errors, no serious or critical axe violation at desktop width and at 375 px, no sideways scrolling
// on the phone, a screenshot of each.

let platform: WholePlatform;
let url: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let owner: SignedUpUser;
let orgId: string;
let projectId: string;
let key: string;

const SIGNUPS = ['u1', 'u2', 'u3'];
const CHECKOUTS = ['u1', 'u2'];
const PURCHASES = ['u1'];
const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

async function sendBatch(batch: object[]): Promise<void> {
  const response = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  });
  const body = (await response.json()) as { accepted: number; rejected: unknown[] };
  expect({ status: response.status, rejected: body.rejected }).toEqual({ status: 202, rejected: [] });
}

/** Events of the last minutes: page views, a three-step journey for three users, one transaction. */
function journey(): object[] {
  const base = Date.now() - 10 * 60_000;
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
  const context = (path: string) => ({
    userAgent: CHROME_UA,
    page: { url: `https://shop.example${path}`, path, referrer: 'https://news.example/post', title: 'Shop' },
  });
  return [
    ...SIGNUPS.map((userId, i) => ({ type: 'page', userId, timestamp: at(i), context: context('/pricing') })),
    ...SIGNUPS.map((userId, i) => ({
      type: 'track',
      event: 'Signed Up',
      userId,
      timestamp: at(1 + i),
      properties: { plan: 'pro' },
      context: context('/signup'),
    })),
    ...CHECKOUTS.map((userId, i) => ({
      type: 'track',
      event: 'Checkout Started',
      userId,
      timestamp: at(4 + i),
      context: context('/checkout'),
    })),
    ...PURCHASES.map((userId) => ({
      type: 'track',
      event: 'Purchase Completed',
      userId,
      timestamp: at(6),
      properties: { amount: '42' },
      context: context('/checkout/done'),
    })),
    {
      type: 'transaction',
      event: 'Swap',
      userId: 'u1',
      timestamp: at(7),
      web3: {
        chainId: 1,
        walletAddress: '0x' + 'ab'.repeat(20),
        txHash: '0x' + 'cd'.repeat(32),
        method: 'swap',
        status: 'success',
      },
    },
  ];
}
const EVENT_COUNT = journey().length;

beforeAll(async () => {
  ensureConsoleBuild(process.env);
  platform = await startWholePlatform('console-analytics');
  url = platform.url;
  owner = await newUser(url, 'Analytics Owner');
  orgId = (await createOrg(url, owner, 'Analytics E2E')).id;
  const project = await call<{ id: string }>(url, 'POST', `/orgs/${orgId}/projects`, owner, {
    name: 'Shop',
    kind: 'web3',
    // Not the browser's zone: the screens must show the project's.
    timezone: 'Asia/Tokyo',
  });
  expect(project.status).toBe(201);
  projectId = project.body.id;
  const created = await call<{ key: string }>(url, 'POST', `/projects/${projectId}/keys`, owner, {
    name: 'shop ingestion',
    scopes: ['events:write'],
  });
  expect(created.status).toBe(201);
  key = created.body.key;
  await sendBatch(journey());
  // Ingestion is asynchronous: the screens are opened once analytics counts every event.
  await eventually(
    async () => {
      const summary = await call<{ events: number }>(
        url,
        'GET',
        `/projects/${projectId}/analytics/summary`,
        owner,
      );
      expect(summary.body.events).toBe(EVENT_COUNT);
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  browser = await launchChromium();
  // The console's CSP stays on (no bypassCSP): the chart must draw under script-src/style-src 'self'.
  context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timezoneId: 'America/New_York',
  });
  page = await context.newPage();
  errors = collectPageErrors(page);
  page.on('response', (response) => {
    if (response.status() >= 400)
      errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  // A login of its own for the browser: its refresh token rotates there.
  const tokens = await logIn(url, owner.email, owner.password);
  await signInWithToken(page, url, tokens.refreshToken, `/projects/${projectId}`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
});

afterEach(() => {
  expect(errors).toEqual([]);
});

const main = () => page.getByRole('main');

describe('console analytics', () => {
  it('shows the events on the overview: summary, chart, top lists', async () => {
    await main().getByRole('heading', { name: 'Shop: overview' }).waitFor();
    await main().getByText('Times in Asia/Tokyo').waitFor();
    const summary = page.getByTestId('summary');
    await summary.waitFor();
    await expect(summary.locator('[data-stat="Events"] .stat-value').textContent()).resolves.toBe(
      String(EVENT_COUNT),
    );
    await expect(summary.locator('[data-stat="Users"] .stat-value').textContent()).resolves.toBe('3');
    await expect(summary.locator('[data-stat="Pageviews"] .stat-value').textContent()).resolves.toBe('3');
    await expect(summary.locator('[data-stat="Transactions"] .stat-value').textContent()).resolves.toBe('1');
    // uPlot drew its canvas, and the text summary gives the same total.
    await page.locator('[data-testid="timeseries-chart"] canvas').first().waitFor();
    await main().getByText(`${EVENT_COUNT} events in`).waitFor();
    const topEvents = page.getByTestId('top-event');
    await topEvents.getByRole('link', { name: 'Signed Up', exact: true }).waitFor();
    await page.getByTestId('top-page').getByRole('link', { name: '/pricing', exact: true }).waitFor();
    // Named from the chain catalog when it knows chain 1.
    await page
      .getByTestId('top-chain')
      .getByRole('link', { name: /^(1|[^0-9].* \(1\))$/ })
      .waitFor();
    expect(await checkScreen(page, 'analytics-overview')).toEqual({
      screen: 'analytics-overview',
      problems: [],
    });

    // Another range and interval ask the API again.
    await main().getByLabel('Range', { exact: true }).selectOption('24h');
    await page.waitForURL(/range=24h/);
    await main().getByLabel('Interval', { exact: true }).selectOption('minute');
    await page.waitForURL(/interval=minute/);
    await main().getByText(`${EVENT_COUNT} events in`).waitFor();

    // A question the API refuses shows its problem detail where the chart would be.
    await main().getByLabel('Range', { exact: true }).selectOption('30d');
    await main().getByLabel('Interval', { exact: true }).selectOption('minute');
    await main().getByRole('alert').first().waitFor();
    await main()
      .getByText(/more than .* points/)
      .waitFor();
    const unexpected = errors
      .splice(0)
      .filter(
        (error) => !/^400 GET .*\/timeseries\?/.test(error) && !/status of 400 \(Bad Request\)/.test(error),
      );
    expect(unexpected).toEqual([]);
    expect(await checkScreen(page, 'analytics-overview-error')).toEqual({
      screen: 'analytics-overview-error',
      problems: [],
    });
  });

  it('leads from a top event to the events list filtered by it', async () => {
    await page.getByTestId('top-event').getByRole('link', { name: 'Signed Up', exact: true }).click();
    await page.waitForURL(/\/events\?.*event=Signed\+Up/);
    await main().getByRole('heading', { name: 'Live events' }).waitFor();
    const table = page.getByTestId('events-table');
    await table.waitFor();
    await expect(table.locator('tbody tr').count()).resolves.toBe(SIGNUPS.length);
    const names = await table.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(names)).toEqual(new Set(['Signed Up']));
    await expect(main().getByLabel('Event name', { exact: true }).inputValue()).resolves.toBe('Signed Up');
    expect(await checkScreen(page, 'analytics-events-filtered')).toEqual({
      screen: 'analytics-events-filtered',
      problems: [],
    });
  });

  it('shows a new event in the live list while it is open, and its detail', async () => {
    await page.goto(`${url}/projects/${projectId}/events`);
    await page.getByTestId('events-table').waitFor();
    await expect(page.getByTestId('events-table').locator('tbody tr').count()).resolves.toBe(EVENT_COUNT);
    await sendBatch([
      {
        type: 'track',
        event: 'Live Arrival',
        userId: 'u9',
        properties: { source: 'e2e', colour: 'teal' },
        context: { userAgent: CHROME_UA },
      },
    ]);
    // The list polls every 5 s; no reload here.
    const arrival = page.getByTestId('events-table').getByRole('button', { name: 'Live Arrival' });
    await arrival.waitFor({ timeout: 30_000 });
    // By keyboard: the event opens with Enter and its detail takes the focus.
    await arrival.focus();
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('event-detail');
    await detail.waitFor();
    await main().getByRole('heading', { name: 'Live Arrival' }).waitFor();
    await expect(page.evaluate('document.activeElement && document.activeElement.textContent')).resolves.toBe(
      'Live Arrival',
    );
    await main().getByText('teal', { exact: true }).waitFor();
    await detail.getByText('u9', { exact: true }).waitFor();
    expect(await checkScreen(page, 'analytics-events-detail')).toEqual({
      screen: 'analytics-events-detail',
      problems: [],
    });
  });

  it('builds a funnel from the project’s event names', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Funnels', exact: true })
      .click();
    await main().getByRole('heading', { name: 'Funnels' }).waitFor();
    await main().getByLabel('Step 1', { exact: true }).selectOption('Signed Up');
    await main().getByLabel('Step 2', { exact: true }).selectOption('Checkout Started');
    await main().getByRole('button', { name: 'Add step' }).click();
    await main().getByLabel('Step 3', { exact: true }).selectOption('Purchase Completed');
    await main().getByRole('button', { name: 'Show funnel' }).click();
    const result = page.getByTestId('funnel-result');
    await result.waitFor();
    const steps = await result.locator(':scope > li .funnel-label').allTextContents();
    expect(steps).toEqual([
      expect.stringMatching(/Signed Up.*3 users · 100% of step 1/),
      expect.stringMatching(/Checkout Started.*2 users · 66\.7% of step 1/),
      expect.stringMatching(/Purchase Completed.*1 user · 33\.3% of step 1/),
    ]);
    await result.getByText('Drop-off from step 1: 1 (33.3%)').waitFor();
    expect(await checkScreen(page, 'analytics-funnel')).toEqual({ screen: 'analytics-funnel', problems: [] });
  });

  it('creates an alert, sends a test and finds it in the inbox', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Alerts', exact: true })
      .click();
    await main().getByRole('heading', { name: 'Alerts' }).waitFor();
    await main().getByText('No alerts yet').waitFor();
    expect(await checkScreen(page, 'alerts-empty')).toEqual({ screen: 'alerts-empty', problems: [] });

    await main().getByRole('link', { name: 'New alert' }).click();
    await main().getByRole('heading', { name: 'New alert' }).waitFor();
    // The API's field errors appear beside their fields.
    await main().getByLabel('Over the last (minutes)', { exact: true }).fill('0');
    await main().getByRole('button', { name: 'Create alert' }).click();
    await main()
      .getByText(/windowSeconds/)
      .first()
      .waitFor();
    // That 400 was the point: the browser logs it, the list of errors forgets it.
    const unexpected = errors
      .splice(0)
      .filter(
        (error) => !/^400 POST .*\/alerts$/.test(error) && !/status of 400 \(Bad Request\)/.test(error),
      );
    expect(unexpected).toEqual([]);
    expect(await checkScreen(page, 'alerts-form-errors')).toEqual({
      screen: 'alerts-form-errors',
      problems: [],
    });

    await main().getByLabel('Name', { exact: true }).fill('Signup surge');
    await main().getByLabel('Metric', { exact: true }).selectOption('events');
    await main().getByLabel('Comparison', { exact: true }).selectOption('gt');
    await main().getByLabel('Threshold', { exact: true }).fill('1000');
    await main().getByLabel('Over the last (minutes)', { exact: true }).fill('5');
    await main().getByLabel('Event name', { exact: true }).fill('Signed Up');
    // A chat channel too (an address on loopback, where the test platform allows one).
    const slack = 'http://127.0.0.1:9/services/T000/B000/console';
    await main().getByLabel('Slack incoming webhook URL', { exact: true }).fill(slack);
    await main().getByRole('button', { name: 'Create alert' }).click();
    await main().getByRole('heading', { name: 'Signup surge' }).waitFor();
    await main().getByText('Events > 1000 over 5 minutes').waitFor();
    await main().getByText(`Slack ${slack}`, { exact: false }).waitFor();

    await main().getByRole('button', { name: 'Send test' }).click();
    await main()
      .getByText(/Test notification sent/)
      .waitFor();
    await eventually(
      async () => {
        await main().getByRole('button', { name: 'Refresh history' }).click();
        await page.getByTestId('alert-history').getByText('Test', { exact: true }).waitFor({ timeout: 1000 });
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(await checkScreen(page, 'alerts-detail')).toEqual({ screen: 'alerts-detail', problems: [] });

    // Editing keeps the settings it does not change.
    await main().getByRole('button', { name: 'Edit' }).click();
    await main().getByLabel('Threshold', { exact: true }).fill('500');
    await main().getByRole('button', { name: 'Save alert' }).click();
    await main().getByText('Events > 500 over 5 minutes').waitFor();
    // The chat channel it did not touch is still there.
    await main().getByText(`Slack ${slack}`, { exact: false }).waitFor();

    // The shell's inbox link counts the test notification (it polls; a navigation loads it at once).
    await page.goto(`${url}/projects/${projectId}/alerts`);
    await page.getByTestId('alerts-table').getByRole('link', { name: 'Signup surge' }).waitFor();
    expect(await checkScreen(page, 'alerts-list')).toEqual({ screen: 'alerts-list', problems: [] });
    await eventually(
      async () => {
        await page.reload();
        await page.getByRole('link', { name: /^Inbox\s*1 unread$/ }).waitFor({ timeout: 2000 });
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    await page.getByRole('link', { name: /^Inbox\s*1 unread$/ }).click();
    await main().getByRole('heading', { name: 'Inbox' }).waitFor();
    const inbox = page.getByTestId('inbox');
    await inbox.getByText('Signup surge').first().waitFor();
    expect(await checkScreen(page, 'alerts-inbox')).toEqual({ screen: 'alerts-inbox', problems: [] });
    await inbox.getByRole('button', { name: 'Mark as read' }).click();
    await page.getByRole('link', { name: 'Inbox', exact: true }).waitFor();
    await main().getByText('0 unread').waitFor();
  });

  it('shows an alert that fires in the inbox and on the alert', async () => {
    // Made over the API (the form is tested above); checked every 5 s, it fires on the events sent.
    const alert = await call<{ id: string }>(url, 'POST', `/projects/${projectId}/alerts`, owner, {
      name: 'Any activity',
      metric: 'events',
      comparator: 'gte',
      threshold: 1,
      windowSeconds: 3600,
      everySeconds: 5,
      channels: [{ type: 'in_app' }],
    });
    expect(alert.status).toBe(201);
    await page.goto(`${url}/inbox`);
    await main().getByRole('heading', { name: 'Inbox' }).waitFor();
    const firing = page.getByTestId('inbox').getByRole('listitem').filter({ hasText: 'Firing' });
    await eventually(
      async () => {
        await main().getByRole('button', { name: 'Refresh' }).click();
        await firing.filter({ hasText: 'Any activity' }).first().waitFor({ timeout: 1000 });
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await page.getByRole('link', { name: /^Inbox\s*1 unread$/ }).waitFor();
    await firing
      .filter({ hasText: 'Any activity' })
      .first()
      .getByRole('link', { name: 'Open the alert' })
      .click();
    await main().getByRole('heading', { name: 'Any activity' }).waitFor();
    await main().getByText('firing', { exact: true }).first().waitFor();
    await page.getByTestId('alert-history').getByText('Fired', { exact: true }).first().waitFor();
    // Opening it from the inbox read it.
    await page.getByRole('link', { name: 'Inbox', exact: true }).waitFor();
    expect(await checkScreen(page, 'alerts-firing')).toEqual({ screen: 'alerts-firing', problems: [] });
  });

  it('shows the organisation’s usage', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Usage', exact: true })
      .click();
    await main().getByRole('heading', { name: 'Analytics E2E: usage' }).waitFor();
    const totals = page.getByTestId('usage-totals');
    await totals.waitFor();
    await page.getByTestId('usage-projects').getByRole('link', { name: 'Shop' }).waitFor();
    // The plan beside it: this month's events against the quota, the other limits.
    const plan = page.getByTestId('plan');
    await plan.getByRole('heading', { name: 'Enterprise plan' }).waitFor();
    await plan.getByRole('meter', { name: /^[1-9][\d,]* of 1,000,000,000 events this month$/ }).waitFor();
    expect(await plan.getByRole('listitem').allTextContents()).toEqual([
      'Projects: 1 of 1,000',
      'Members: 1 of 1,000',
      expect.stringMatching(/^Active keys: [1-9]\d* of 10,000$/) as unknown as string,
    ]);
    expect(await checkScreen(page, 'analytics-usage')).toEqual({ screen: 'analytics-usage', problems: [] });
  });

  it('shows the requests made with each of the project’s keys', async () => {
    await page.goto(`${url}/projects/${projectId}/usage`);
    await main().getByRole('heading', { name: 'Key usage' }).waitFor();
    const row = page.getByTestId('key-usage').getByRole('row').filter({ hasText: 'shop ingestion' });
    await row.waitFor();
    // The two batches above, once usage has counted them.
    await eventually(
      async () => {
        await page.reload();
        const requests = page
          .getByTestId('key-usage')
          .getByRole('row')
          .filter({ hasText: 'shop ingestion' })
          .locator('td.num');
        await expect(requests.textContent({ timeout: 2000 })).resolves.toMatch(/^[1-9][0-9]*$/);
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    await main().getByRole('heading', { name: 'shop ingestion' }).waitFor();
    expect(await checkScreen(page, 'analytics-key-usage')).toEqual({
      screen: 'analytics-key-usage',
      problems: [],
    });
  });
});
