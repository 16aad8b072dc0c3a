import { identityService, ingestionService, keysService, tenancyService } from './platform-services';
import { sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import type { RunningService } from '@northstar/service-runtime';
import { collectPageErrors, launchChromium } from '@northstar/testing/browser';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  e2eClickHouseClient,
  e2eClickhouseEnv,
  eventually,
  migrateService,
  startTestGateway,
  startTestService,
} from './support';
import { newProjectKey } from './tenancy-support';

// The SDK's browser build (libs/sdk/dist/esm, as a bundler or a <script type="module"> loads it) in
// headless Chromium against the real gateway and ingestion, from a page of another origin (so CORS is
// part of the test): nothing is lost offline or across a reload, a page hidden right after a call still
// delivers it, wallet activity of an EIP-1193 provider arrives, and Segment's own browser library
// (@segment/analytics-next) pointed at the gateway delivers its events in both its delivery modes.

// Code inside page.evaluate runs in the page; the tests' compiler has no DOM library, so the two
// browser globals it touches are declared here, as loosely as the page code needs them.
declare const window: Record<string, unknown>;
declare const localStorage: Record<string, unknown> & { getItem(name: string): string | null };

const root = join(__dirname, '..', '..', '..');
const sdkDist = join(root, 'libs', 'sdk', 'dist', 'esm');
const segmentDist = join(root, 'node_modules', '@segment', 'analytics-next', 'dist', 'umd');

const clickhouseEnv = e2eClickhouseEnv();
const services: RunningService[] = [];
let gateway: RunningGateway;
let clickhouse: ClickHouseClient;
let site: Server;
let siteUrl: string;
let browser: Browser;

/**
 * The test site: `/sdk/*` is the SDK's ESM build, `/segment/*` and `/analytics-next/bundles/*` Segment's
 * UMD build and its lazily loaded chunks (where it looks for them under its `cdnURL`), `/page.html` an
 * empty page the tests script.
 */
function serveSite(): Promise<Server> {
  const types: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html' };
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://site').pathname));
    const file = path.startsWith('/sdk/')
      ? join(sdkDist, path.slice('/sdk/'.length))
      : path.startsWith('/segment/')
        ? join(segmentDist, path.slice('/segment/'.length))
        : path.startsWith('/analytics-next/bundles/')
          ? join(segmentDist, path.slice('/analytics-next/bundles/'.length))
          : undefined;
    if (path === '/page.html') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        '<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Shop</h1></body></html>',
      );
      return;
    }
    if (!file || path.includes('..')) {
      response.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
        response.end(body);
      },
      () => response.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  // The page loads what `npm run build:sdk` makes from the current source.
  execFileSync(process.execPath, [join(root, 'libs', 'sdk', 'scripts', 'build.mjs')], { stdio: 'ignore' });
  await migrateService(identityService);
  await migrateService(tenancyService);
  await migrateService(keysService);
  await migrateService(ingestionService);
  services.push(await startTestService(identityService));
  services.push(await startTestService(tenancyService));
  services.push(await startTestService(keysService));
  services.push(await startTestService(ingestionService, clickhouseEnv));
  gateway = await startTestGateway();
  clickhouse = e2eClickHouseClient();
  site = await serveSite();
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await gateway?.close();
  for (const service of services.reverse()) await service.close();
  await clickhouse?.close();
});

interface Row {
  type: string;
  event: string;
  name: string;
  message_id: string;
  anonymous_id: string;
  user_id: string;
  library_name: string;
  chain_id: string;
  wallet_address: string;
  tx_hash: string;
  value: string;
  'properties.key': string[];
  'properties.value': string[];
}

/**
 * The project's events as analytics reads them: one row per event (`LIMIT 1 BY event_id`). A messageId
 * sent twice in differently made batches (say by a keepalive request that outlived a page and again by
 * the next page) reaches ClickHouse twice with one event_id, and every query counts it once (see
 * docs/ingestion.md, "Not doubled"). Waits until at least `count` are there.
 */
function rowsOf(projectId: string, count: number): Promise<Row[]> {
  return eventually(
    async () => {
      const result = await clickhouse.query({
        query: toSql(
          sql`SELECT type, event, name, message_id, anonymous_id, user_id, library_name, chain_id,
                wallet_address, tx_hash, value, properties.key, properties.value
              FROM events WHERE project_id = ${projectId}
              ORDER BY timestamp, timestamp_ms, message_id LIMIT 1 BY event_id`,
        ),
        format: 'JSONEachRow',
      });
      const rows = await result.json<Row>();
      if (rows.length < count) throw new Error(`${rows.length} of ${count} events in ClickHouse`);
      return rows;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

const property = (row: Row, key: string): string | undefined =>
  row['properties.value'][row['properties.key'].indexOf(key)];

/** A fresh context (its own localStorage) and page on the test site, the SDK loaded as `window.analytics`. */
async function sdkPage(
  context: BrowserContext,
  key: string,
  options: Record<string, unknown> = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  // Requests the test blocks on purpose ("offline") are logged by Chromium as console errors.
  const errors = collectPageErrors(page, (text) =>
    /Failed to load resource|ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(text),
  );
  await page.goto(`${siteUrl}/page.html`);
  await loadSdk(page, key, options);
  return { page, errors };
}

/**
 * Loads the SDK as a page does, with a module script (a string: a function passed to evaluate would be
 * compiled by the test runner, which turns `import()` into `require`).
 */
async function loadSdk(page: Page, key: string, options: Record<string, unknown>): Promise<void> {
  const settings = JSON.stringify({ writeKey: key, host: gateway.url, ...options });
  await page.addScriptTag({
    type: 'module',
    content: `import { init } from '/sdk/index.js';
      import { web3 } from '/sdk/web3.js';
      window.analytics = init(${settings});
      window.web3 = web3;`,
  });
  await page.waitForFunction(() => 'analytics' in window && 'web3' in window);
}

/** Blocks the gateway's batch route as a lost connection would; returns how many posts it refused. */
async function goOffline(
  context: BrowserContext,
): Promise<{ refused: () => number; online: () => Promise<void> }> {
  let refused = 0;
  const handler = (route: Route) => {
    refused++;
    return route.abort('internetdisconnected');
  };
  await context.route(`${gateway.url}/v1/batch`, handler);
  return { refused: () => refused, online: () => context.unroute(`${gateway.url}/v1/batch`, handler) };
}

/** How many events wait in the page's stored queue (the SDK removes the entry once it is empty). */
function queuedInPage(page: Page): Promise<number> {
  return page.evaluate(() =>
    Object.keys(localStorage)
      .filter((name) => name.endsWith('_queue'))
      .reduce((sum, name) => sum + (JSON.parse(localStorage.getItem(name) ?? '[]') as unknown[]).length, 0),
  );
}

it('keeps events through a lost connection and a reload, then delivers each exactly once', async () => {
  const { projectId, key } = await newProjectKey(gateway.url, 'Browser Offline');
  const context = await browser.newContext();
  const offline = await goOffline(context);
  const options = { flushAt: 3, flushInterval: 200, minBackoff: 200, maxBackoff: 800 };
  const { page, errors } = await sdkPage(context, key, options);

  await page.evaluate(() => {
    const analytics = (window as unknown as { analytics: { track(e: string, p: object): void } }).analytics;
    for (let n = 1; n <= 5; n++) analytics.track('Item Viewed', { n });
  });
  await eventually(async () => expect(offline.refused()).toBeGreaterThan(1), { timeoutMs: 10_000 });

  // A reload while offline: the queue is in localStorage, and the new page's SDK takes it over.
  await page.reload();
  await loadSdk(page, key, options);
  await page.evaluate(() => {
    const analytics = (window as unknown as { analytics: { track(e: string, p: object): void } }).analytics;
    for (let n = 6; n <= 8; n++) analytics.track('Item Viewed', { n });
  });
  expect(await queuedInPage(page)).toBe(8);

  await offline.online();
  const rows = await rowsOf(projectId, 8);
  // Let a late duplicate show before counting.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const stored = await rowsOf(projectId, 8);
  expect(stored).toHaveLength(8);
  expect(new Set(stored.map((row) => row.message_id)).size).toBe(8);
  expect(rows.map((row) => Number(property(row, 'n'))).sort((a, b) => a - b)).toEqual([
    1, 2, 3, 4, 5, 6, 7, 8,
  ]);
  expect(new Set(rows.map((row) => row.anonymous_id)).size).toBe(1);
  expect(rows[0].library_name).toBe('@northstar/sdk');
  // Sent and answered: nothing is left in storage.
  await eventually(async () => expect(await queuedInPage(page)).toBe(0));
  expect(errors).toEqual([]);
  await context.close();
});

it('delivers an event tracked right before the page is hidden and closed', async () => {
  const { projectId, key } = await newProjectKey(gateway.url, 'Browser Hidden');
  const context = await browser.newContext();
  // Nothing would send it but the page going away: no size or time trigger within the test.
  const { page, errors } = await sdkPage(context, key, { flushAt: 100, flushInterval: 600_000 });
  await page.evaluate(() =>
    (window as unknown as { analytics: { track(e: string, p: object): void } }).analytics.track(
      'Checkout Left',
      {
        step: 2,
      },
    ),
  );
  await page.close({ runBeforeUnload: true });

  const rows = await rowsOf(projectId, 1);
  expect(rows.map((row) => [row.type, row.event, property(row, 'step')])).toEqual([
    ['track', 'Checkout Left', '2'],
  ]);
  expect(errors).toEqual([]);
  await context.close();
});

it('records wallet connect, account and chain changes and transactions of an EIP-1193 provider in the page', async () => {
  const { projectId, key } = await newProjectKey(gateway.url, 'Browser Wallet');
  const context = await browser.newContext();
  const { page, errors } = await sdkPage(context, key, { flushAt: 100, flushInterval: 60_000 });
  const result = await page.evaluate(async () => {
    const { analytics, web3 } = window as unknown as {
      analytics: { flush(): Promise<void> };
      web3: (client: unknown, options: object) => unknown;
    };
    // A wallet as an extension injects it: EIP-1193 requests plus its events.
    const listeners: Record<string, ((value: unknown) => void)[]> = {};
    const emit = (name: string, value: unknown) =>
      (listeners[name] ?? []).forEach((listener) => listener(value));
    let accounts: string[] = [];
    let chainId = '0x1';
    const provider = {
      async request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
        if (method === 'eth_chainId') return chainId;
        if (method === 'eth_accounts') return accounts;
        if (method === 'eth_requestAccounts') {
          accounts = ['0x52908400098527886e0f7030069857d2e4169ee7'];
          emit('accountsChanged', accounts);
          return accounts;
        }
        if (method === 'eth_sendTransaction') {
          const [tx] = params as [{ value?: string; to?: string }];
          if (tx.value === '0x0')
            throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
          return `0x${'cd'.repeat(32)}`;
        }
        throw new Error(`unsupported ${method}`);
      },
      on(name: string, listener: (value: unknown) => void) {
        (listeners[name] ??= []).push(listener);
      },
      removeListener(name: string, listener: (value: unknown) => void) {
        listeners[name] = (listeners[name] ?? []).filter((each) => each !== listener);
      },
    };
    web3(analytics, { provider });
    const connected = await provider.request({ method: 'eth_requestAccounts' });
    chainId = '0x89';
    emit('chainChanged', chainId);
    accounts = ['0x1111111111111111111111111111111111111111'];
    emit('accountsChanged', accounts);
    const hash = await provider.request({
      method: 'eth_sendTransaction',
      params: [
        { from: accounts[0], to: '0x2222222222222222222222222222222222222222', value: '0xde0b6b3a7640000' },
      ],
    });
    const refused = await provider
      .request({ method: 'eth_sendTransaction', params: [{ from: accounts[0], value: '0x0' }] })
      .then(
        () => 'sent',
        (error: { code: number }) => error.code,
      );
    // The plugin records after the wallet answered; give it its microtasks, then send.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await analytics.flush();
    return { connected, hash, refused };
  });
  // The wallet's own answers are untouched by the plugin.
  expect(result).toEqual({
    connected: ['0x52908400098527886e0f7030069857d2e4169ee7'],
    hash: `0x${'cd'.repeat(32)}`,
    refused: 4001,
  });

  const rows = await rowsOf(projectId, 6);
  const summary = rows.map((row) => [
    row.type,
    row.event || row.name,
    row.chain_id,
    row.wallet_address.toLowerCase(),
    row.tx_hash,
  ]);
  expect(summary).toEqual(
    expect.arrayContaining([
      ['wallet', 'connect', '1', '0x52908400098527886e0f7030069857d2e4169ee7', ''],
      ['wallet', 'switch', '137', '0x52908400098527886e0f7030069857d2e4169ee7', ''],
      ['wallet', 'switch', '137', '0x1111111111111111111111111111111111111111', ''],
      ['track', 'Transaction Requested', '137', '0x1111111111111111111111111111111111111111', ''],
      [
        'transaction',
        'Transaction',
        '137',
        '0x1111111111111111111111111111111111111111',
        `0x${'cd'.repeat(32)}`,
      ],
      ['track', 'Transaction Rejected', '137', '0x1111111111111111111111111111111111111111', ''],
    ]),
  );
  expect(rows.find((row) => row.type === 'transaction')?.value).toBe('1000000000000000000');
  expect(errors).toEqual([]);
  await context.close();
});

/** The part of @segment/analytics-next's AnalyticsBrowser the page uses. */
interface SegmentBrowser {
  load(
    settings: object,
    options: object,
  ): Promise<[Record<'page' | 'identify' | 'track', (...args: unknown[]) => Promise<unknown>>]>;
}

describe("Segment's browser library (@segment/analytics-next) pointed at the gateway", () => {
  /** Loads Segment's UMD build and calls track/page/identify; `batching` picks its batching delivery. */
  async function segmentDelivers(label: string, batching: boolean): Promise<Row[]> {
    const { projectId, key } = await newProjectKey(gateway.url, label);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const posted: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(gateway.url))
        posted.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.goto(`${siteUrl}/page.html`);
    await page.addScriptTag({ url: `${siteUrl}/segment/index.js` });
    await page.evaluate(
      async ({ key, apiHost, cdnURL, batching }) => {
        const { AnalyticsBrowser } = (
          window as unknown as { AnalyticsNext: { AnalyticsBrowser: SegmentBrowser } }
        ).AnalyticsNext;
        // cdnSettings stands in for the settings Segment's CDN would serve; apiHost is host + path, no scheme.
        const [analytics] = await AnalyticsBrowser.load(
          {
            writeKey: key,
            cdnURL,
            cdnSettings: {
              integrations: {
                'Segment.io': {
                  apiKey: key,
                  apiHost,
                  protocol: 'http',
                  ...(batching
                    ? { deliveryStrategy: { strategy: 'batching', config: { size: 3, timeout: 300 } } }
                    : {}),
                },
              },
            },
          },
          { integrations: { 'Segment.io': { apiHost, protocol: 'http' } } },
        );
        await analytics.page('Docs', 'Install');
        await analytics.identify('user-segment', { plan: 'pro' });
        await analytics.track('Plan Chosen', { plan: 'pro' });
      },
      { key, apiHost: `${new URL(gateway.url).host}/v1`, cdnURL: siteUrl, batching },
    );
    const rows = await rowsOf(projectId, 3).catch((error) => {
      throw new Error(`${error}; posted ${JSON.stringify(posted)}; page errors ${JSON.stringify(errors)}`);
    });
    expect(rows.map((row) => [row.type, row.event || row.name]).sort()).toEqual([
      ['identify', ''],
      ['page', 'Install'],
      ['track', 'Plan Chosen'],
    ]);
    expect(new Set(rows.map((row) => row.library_name))).toEqual(new Set(['analytics.js']));
    expect(rows.find((row) => row.type === 'identify')?.user_id).toBe('user-segment');
    expect(errors).toEqual([]);
    await context.close();
    return Object.assign(rows, { posted }) as Row[] & { posted: string[] };
  }

  it('delivers each call on its own route (/v1/p, /v1/i, /v1/t)', async () => {
    const rows = (await segmentDelivers('Segment Browser', false)) as Row[] & { posted: string[] };
    expect(rows.posted).toEqual(expect.arrayContaining(['POST /v1/p', 'POST /v1/i', 'POST /v1/t']));
  });

  it('delivers in its batching mode (/v1/b)', async () => {
    const rows = (await segmentDelivers('Segment Batching', true)) as Row[] & { posted: string[] };
    expect(rows.posted).toContain('POST /v1/b');
  });
});
