#!/usr/bin/env node
// Big-tenant analytics benchmark (`npm run bench:analytics:big`, which builds dist/ first): one project
// with millions of events, queried over HTTP through the gateway with an API key, as a dashboard would.
// Prints every figure it measures and the targets next to them; a missed target is reported, not an error.
//
// What it needs and what it starts (deploy/bench/lib.mjs withPlatform, as bench:pipeline):
//   - PostgreSQL, Redis and ClickHouse already answering (`npm run infra:up`) and the nats-server binary.
//     The development PostgreSQL database and Redis db (DATABASE_URL, REDIS_URL) and a ClickHouse
//     database of its own, `northstar_bench_big_<run id>` (BENCH_CLICKHOUSE_DATABASE), dropped at the end
//     (also on Ctrl-C), as is the bench's organisation.
//   - A NATS server of its own, then from dist/, migrated first: identity, tenancy, keys, ingestion,
//     analytics and the gateway (which sends the analytics queries to analytics over NATS).
//
// Steps:
//   1. Over the API: an account, an organisation, project "Big" and project "Small", each with a key
//      that has analytics:read and events:write.
//   2. BENCH_BIG_EVENTS events for Big, and 1,000 for Small, written straight into ClickHouse's `events`
//      (INSERT ... SELECT FROM numbers(), 1M-row chunks), spread over the 30 days ending now, with 0.1% of
//      them in the current hour (so both open edges of "the last 30 days up to now" hold data).
//      Big's shape (Small's is the same, scaled down): 500,000 sessions of 300,000 anonymous ids; 2 in 3
//      anonymous ids belong to one of 200,000 users (user_id set, so on ~2/3 of events); types 55% page,
//      35% track, 2% identify, 5% transaction, 3% wallet; page and track events carry the page context
//      (one of 2,000 paths, Zipf-like popularity; a referrer host of 200, none on 35%); a country of 60
//      per anonymous id, a browser of 8 and an os of 6 per session; 30 track names, among them the
//      funnel 'Signed Up' (8% of tracks) → 'Product Viewed' (5%) → 'Order Completed' (2%), each person's
//      within one day of theirs in that order (at 10M, about 45% then 10% of those signed up go on),
//      the other 27 skewed; transactions on 5 chains by ~50,000 wallets (a wallet and chain per
//      person), 6% failed; Nested properties on tracks, traits on identifies. Page events have event ''
//      and the page's name in `name`, identify events event '', as ingestion stores them. Not written:
//      `raw` and `user_agent`, which ingestion fills (the on-disk figure is below a real tenant's).
//      Prints the time taken and the database's size on disk (system.parts, active parts).
//   3. Waits until the analytics service's roll-up job (on its timer) has caught up with Big: polls
//      every 2 s, at most BENCH_ROLLUP_TIMEOUT_MS, until no hour of Big before the previous one, and no
//      UTC day before the one that hour is in, was written (hour_writes.last_write) at or after the
//      snapshot its roll-up read (rollup_state.version / 10^6, grain 'hour' and 'day'). Prints how long
//      it took. Past the timeout, it says so, measures anyway and exits 1 at the end.
//      BENCH_SKIP_ROLLUP_WAIT=1 skips it (a build without that roll-up has neither table: the wait fails
//      at once without the flag).
//   4. Times each analytics endpoint with Big's key, BENCH_RUNS runs after 3 warm-up runs, one request
//      at a time; "now" is taken afresh for every request (so the oldest events drop out of "the last 30
//      days" as the bench goes on: about 23 a minute per million). Each line: p50 / p95 in ms (over
//      every answer, 2xx or not), the non-2xx answers by status, whether the answers said
//      `approximate: true` ('-' when the field is absent), and the target: p95 <= 150 ms for summary,
//      timeseries and top, <= 500 ms for the funnel, <= 50 ms for the events list, every answer 2xx; and
//      no 503 at all.
//   5. Skew: Small's 30-day summary alone (BENCH_RUNS runs), then again while 4 loops query Big
//      back to back (summary, top page, funnel, timeseries, each loop starting elsewhere in the cycle);
//      both p50 / p95 and their ratio.
//   6. A table of every figure, with the machine's load average at start and at end.
//
// Environment: BENCH_BIG_EVENTS (10000000), BENCH_RUNS (20), BENCH_ROLLUP_TIMEOUT_MS (900000),
// BENCH_SKIP_ROLLUP_WAIT (unset), BENCH_CLICKHOUSE_DATABASE (northstar_bench_big_<run id>; must contain
// "bench"), DATABASE_URL, REDIS_URL, CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD (the development
// defaults otherwise), NATS_SERVER (path of nats-server), BENCH_DIST (a build other than dist/),
// BENCH_LOG_LEVEL (the services' LOG_LEVEL, warn), BENCH_CHILD_LOG_DIR (each child's output to
// <dir>/<name>.log), BENCH_DEBUG (a failure's stack trace). The services read the rest of their
// settings from the environment as usual (ANALYTICS_QUERY_BUDGET_MS, ANALYTICS_MAX_QUERIES_PER_PROJECT,
// BUS_TIMEOUT_MS, ...): the header prints those that are set. Exit code: 0 when it measured (targets met
// or not), 1 when setting up failed or the roll-up did not catch up in time.
//
// 100 million events: `BENCH_BIG_EVENTS=100000000 npm run bench:analytics:big`. It needs ~16 GiB of
// disk for the data, ~35 GiB free to be safe (merges write a part before dropping those it replaces).
// Estimated from 300,000-event runs (trust the figure a 10M run prints over this one): 45 MiB on disk
// after the generation (events 43.7 MiB, funnel_events 1.5 MiB), 74 MiB once rolled up (rollup_top
// 23 MiB, rollup_people 5.5 MiB, the rest small); events and funnel_events grow with the events (~15 GiB
// per 100M), the roll-ups with hours, days and distinct values (far less). The bench prints its own
// measurement (system.parts, bytes_on_disk or, on servers without it, bytes) and extrapolation.
// Generation ran at 100,000-190,000 events/s on this 2-core machine: some 10 to 20 minutes for 100M.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import {
  benchEnv,
  createAccount,
  createProjectKey,
  deleteOrganisation,
  fail,
  fmt,
  require,
  sleep,
  waitFor,
  withPlatform,
} from './lib.mjs';

const BIG_EVENTS = positiveInteger('BENCH_BIG_EVENTS', 10_000_000);
const SMALL_EVENTS = 1000;
const RUNS = positiveInteger('BENCH_RUNS', 20);
const WARMUP = 3;
const ROLLUP_TIMEOUT_MS = positiveInteger('BENCH_ROLLUP_TIMEOUT_MS', 15 * 60_000);
const SKIP_ROLLUP_WAIT = ['1', 'true', 'yes'].includes(String(process.env.BENCH_SKIP_ROLLUP_WAIT ?? ''));
const ROLLUP_POLL_MS = 2000;
const CHUNK = 1_000_000;
const DAYS = 30;
const DAY_MS = 86_400_000;
const SKEW_LOOPS = 4;
// Tables with a row per event (or per named event): the ones the disk estimate scales with the events.
const PER_EVENT_TABLES = ['events', 'funnel_events'];
// Width of the figures' names in the output.
const NAME_WIDTH = 42;
const FUNNEL = ['Signed Up', 'Product Viewed', 'Order Completed'];
const TARGETS = { summary: 150, timeseries: 150, top: 150, funnel: 500, events: 50 };
// Long enough for a 1M-row INSERT ... SELECT (with the roll-up's materialized view) on a busy machine.
const INSERT_TIMEOUT_MS = 30 * 60_000;

// The shapes of the two projects (see the header). Users are 2 in 3 of the anonymous ids.
// Pages are on www.<domain>, but docs/ on docs.<domain>.
const BIG = { sessions: 500_000, anonymous: 300_000, wallets: 50_000, domain: 'bigshop.example' };
const SMALL = { sessions: 300, anonymous: 150, wallets: 40, domain: 'smallshop.example' };

const list = (text) => text.trim().split(/\s*\|\s*/);
// Page sections: index 1 is the home page ('/'), the others top-level paths with detail pages below.
const SECTIONS = list('| products | blog | docs | pricing | account | search | category | help | about');
const SECTION_TITLES = list(
  'Home | Products | Blog | Docs | Pricing | Account | Search | Category | Help | About',
);
const PAGE_PATHS = 2000;
const OTHER_TRACK_EVENTS = list(`
  Button Clicked | Search Performed | Product Added | Cart Viewed | Checkout Started | Payment Info Entered |
  Coupon Applied | Product Removed | Wishlist Added | Video Played | Video Paused | Form Submitted |
  File Downloaded | Share Clicked | Newsletter Subscribed | Logged In | Logged Out | Settings Updated |
  Profile Updated | Notification Opened | Invite Sent | Plan Upgraded | Feature Used | Filter Applied |
  Tab Switched | Error Shown | Feedback Given`);
const WELL_KNOWN_REFERRERS = list(`
  www.google.com | www.bing.com | duckduckgo.com | x.com | t.co | www.facebook.com | www.linkedin.com |
  www.reddit.com | news.ycombinator.com | github.com | www.youtube.com | medium.com | dev.to |
  stackoverflow.com | search.yahoo.com`);
const REFERRERS = [
  ...WELL_KNOWN_REFERRERS,
  ...Array.from({ length: 200 - WELL_KNOWN_REFERRERS.length }, (_, i) => `site${i + 1}.example`),
];
const COUNTRIES = list(`
  US | IN | GB | DE | FR | BR | CA | JP | ES | IT | NL | AU | MX | PL | SE | TR | ID | KR | CH | BE |
  AR | NG | ZA | PH | VN | TH | EG | PK | BD | UA | RO | CZ | PT | GR | HU | AT | DK | FI | NO | IE |
  IL | SG | MY | NZ | CL | CO | PE | SA | AE | KE | MA | TW | HK | BG | RS | HR | SK | LT | EE | SI`);
// Names as ua-parser-js gives them, as ingestion stores them.
const BROWSERS = list(
  'Chrome | Mobile Safari | Safari | Edge | Firefox | Samsung Browser | Opera | Chrome WebView',
);
const OPERATING_SYSTEMS = list('Windows | Android | iOS | Mac OS | Linux | Chromium OS');
const CHAINS = [1, 8453, 42161, 137, 10];
const METHODS = list('swap | transfer | mint | approve | stake');
const TRANSACTION_EVENTS = list(
  'Token Swapped | Token Transferred | NFT Minted | Token Approved | Token Staked',
);
// A wallet event's `event` names the action (API.md); connects are the most frequent.
const WALLET_EVENTS = list('connect | connect | connect | disconnect | switch');
const PLANS = list('free | pro | team');
const CONTRACTS = 30;
const lists = [COUNTRIES, REFERRERS, OTHER_TRACK_EVENTS, BROWSERS, OPERATING_SYSTEMS, SECTIONS];
if (lists.map((values) => values.length).join() !== '60,200,27,8,6,10' || SECTION_TITLES.length !== 10)
  throw new Error('analytics-big: the value lists do not have the sizes the header announces');

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`\nbench:analytics:big failed: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.BENCH_DEBUG && error instanceof Error) console.error(error.stack);
  process.exitCode = 1;
}
// Nothing of the bench is left to wait for (a socket of the HTTP client may still be open).
process.exit();

async function main() {
  const runId = randomUUID().slice(0, 8);
  const env = benchEnv(`northstar_bench_big_${runId}`);
  const loadAtStart = machineLoad();
  printHeader(env, loadAtStart);

  return withPlatform(
    env,
    async (platform) => {
      const { gateway, clickhouse, sql, toSql } = platform;
      const figures = { loadAtStart };
      const ch = { clickhouse, sql, toSql, identifier: platform.identifier };
      console.log(
        `ClickHouse ${await scalar(ch, sql`SELECT version()`)}, database ${env.CLICKHOUSE_DATABASE}`,
      );

      // 1. The tenants, over the API.
      const account = await createAccount(gateway);
      try {
        const scopes = ['analytics:read', 'events:write'];
        const big = await createProjectKey(gateway, account, 'Big', scopes);
        const small = await createProjectKey(gateway, account, 'Small', scopes);
        console.log(
          `projects: Big ${big.projectId}, Small ${small.projectId} (keys with ${scopes.join(', ')})`,
        );
        const client = analyticsClient(gateway);
        await waitForAnalytics(client, small);

        // 2. The events.
        const nowSeconds = Math.floor(Date.now() / 1000);
        const range = { endSeconds: nowSeconds, startSeconds: nowSeconds - DAYS * 86_400 };
        console.log(
          `\nGenerating ${fmt(BIG_EVENTS)} events for Big and ${fmt(SMALL_EVENTS)} for Small, ` +
            `${new Date(range.startSeconds * 1000).toISOString()} to ${new Date(nowSeconds * 1000).toISOString()}`,
        );
        const generation = await generate(
          env,
          ch,
          [
            { ...BIG, name: 'Big', projectId: big.projectId, events: BIG_EVENTS, seed: 0 },
            { ...SMALL, name: 'Small', projectId: small.projectId, events: SMALL_EVENTS, seed: 1e12 },
          ],
          range,
        );
        figures.generation = generation;
        const counts = {
          big: await countEvents(ch, big.projectId),
          small: await countEvents(ch, small.projectId),
        };
        figures.counts = counts;
        console.log(`in ClickHouse: Big ${fmt(counts.big)} events, Small ${fmt(counts.small)} events`);
        if (counts.big !== BIG_EVENTS || counts.small !== SMALL_EVENTS)
          fail(
            `ClickHouse holds ${counts.big} / ${counts.small} events, not ${BIG_EVENTS} / ${SMALL_EVENTS}`,
          );
        figures.disk = await diskUsage(ch, env.CLICKHOUSE_DATABASE);
        printDisk(figures.disk);

        // 3. The roll-up.
        figures.rollup = SKIP_ROLLUP_WAIT
          ? { skipped: true }
          : await waitForRollup(ch, big.projectId, generation.endedAt);

        // 4. Every endpoint, one at a time.
        const cases = endpointCases(big);
        console.log(
          `\nBig, ${RUNS} runs each after ${WARMUP} warm-up runs, one request at a time, through the gateway ` +
            '(p50 / p95 over every answer; target on p95 and every answer 2xx):',
        );
        figures.endpoints = [];
        for (const item of cases) {
          const result = await measure(client, item);
          figures.endpoints.push(result);
          printEndpoint(result);
        }
        printAnswers(figures.endpoints);

        // 5. Skew.
        figures.skew = await skew(client, big, small);

        // 6. The table.
        figures.disk = await diskUsage(ch, env.CLICKHOUSE_DATABASE).catch(() => figures.disk);
        console.log('\nAt the end:');
        printDisk(figures.disk);
        figures.loadAtEnd = machineLoad();
        figures.statuses = client.statuses;
        report(figures);
        return figures.rollup.timedOut ? 1 : 0;
      } finally {
        await deleteOrganisation(gateway, account);
      }
    },
    { apps: ['analytics'] },
  );
}

// ---------------------------------------------------------------------------------------------------
// Generation.

/** The SQL of one chunk: `rows` events of one project, numbers `offset` on. */
function chunkQuery({ sql, identifier }, project, range, offset, rows) {
  const n = identifier('n');
  // A uniform 64-bit hash of an expression, one per `k`; its fraction in [0, 1).
  const hash = (expr, k) => sql`intHash64(${expr} * ${k} + ${k})`;
  const unit = (expr, k) => sql`((${hash(expr, k)} % 1000000) / 1000000)`;
  // 1..size, Zipf-like: P(k) = ln((k + 1) / k) / ln(size + 1), about 1 / k.
  const zipf = (u, size) => sql`least(${size}, toUInt32(floor(exp(${u} * log(${size + 1})))))`;
  // Hex digits of a hash, always 16 (the top nibble set).
  const hex16 = (expr, k) => sql`lower(hex(bitOr(${hash(expr, k)}, 1152921504606846976)))`;
  const address = (expr, k) =>
    sql`concat('0x', ${hex16(expr, k)}, ${hex16(expr, k + 1)}, substring(${hex16(expr, k + 2)}, 1, 8))`;
  const uuid = (expr, k) =>
    sql`concat(substring(${hex16(expr, k)}, 1, 8), '-', substring(${hex16(expr, k)}, 9, 4), '-4',
      substring(${hex16(expr, k)}, 14, 3), '-', substring(${hex16(expr, k + 1)}, 1, 4), '-',
      substring(${hex16(expr, k + 1)}, 5, 12))`;
  const span = range.endSeconds - range.startSeconds;
  const hourStart = Math.floor(range.endSeconds / 3600) * 3600;
  const currentHour = Math.max(1, range.endSeconds - hourStart);
  const seed = project.seed;
  // Columns of the inner SELECT that the helpers above take.
  const [pa, ps, w] = [identifier('pa'), identifier('ps'), identifier('w')];
  // A person's funnel events fall in one day of theirs: signing up in its first hour, products viewed
  // in the next 11 hours, orders in the 11 after that (so a step's people mostly did the previous one).
  const funnelStart = sql`(${range.startSeconds} + ${hash(pa, 131)} % ${Math.max(1, span - 86_400)})`;
  // The inner SELECT draws the event's person, session, type and page; the outer one its columns.
  return sql`INSERT INTO events (project_id, event_id, message_id, type, event, name, user_id, anonymous_id,
      session_id, timestamp, timestamp_ms, received_at, page_url, page_host, page_path, page_referrer,
      page_referrer_host, page_title, country, browser, os, chain_id, wallet_address, tx_hash,
      contract_address, method, value, tx_status, \`properties.key\`, \`properties.value\`, \`traits.key\`,
      \`traits.value\`)
    SELECT ${project.projectId}, generateUUIDv4(), concat('bench-', toString(${n})), kind,
      multiIf(
        step > 0, ${FUNNEL}[step],
        kind = 'track', ${OTHER_TRACK_EVENTS}[least(27, 1 + toUInt32(27 * pow((u_event - 0.15) / 0.85, 2)))],
        kind = 'transaction', ${TRANSACTION_EVENTS}[1 + ${hash(n, 97)} % 5],
        kind = 'wallet', ${WALLET_EVENTS}[1 + ${hash(n, 107)} % 5],
        ''),
      if(kind = 'page', ${SECTION_TITLES}[idx], ''),
      if(a % 3 != 0, concat('user-', toString(intDiv(a, 3) * 2 + a % 3 - 1)), ''),
      ${uuid(pa, 113)}, ${uuid(ps, 127)},
      toDateTime(ts, 'UTC'), ${hash(n, 11)} % 1000, toDateTime(ts + ${hash(n, 17)} % 3, 'UTC'),
      if(web, concat('https://', host, path), ''), if(web, host, ''), if(web, path, ''),
      if(referrer_host = '', '', concat('https://', referrer_host, '/')), referrer_host,
      if(web, ${SECTION_TITLES}[idx], ''),
      ${COUNTRIES}[${zipf(unit(pa, 53), COUNTRIES.length)}],
      ${BROWSERS}[${zipf(unit(ps, 59), BROWSERS.length)}],
      ${OPERATING_SYSTEMS}[${zipf(unit(ps, 61), OPERATING_SYSTEMS.length)}],
      if(kind IN ('transaction', 'wallet'), ${CHAINS}[1 + ${hash(pa, 67)} % 5], 0),
      if(kind IN ('transaction', 'wallet'), ${address(w, 73)}, ''),
      if(kind = 'transaction',
        concat('0x', ${hex16(n, 79)}, ${hex16(n, 80)}, ${hex16(n, 81)}, ${hex16(n, 82)}), ''),
      if(kind = 'transaction', ${address(sql`(${hash(n, 83)} % ${CONTRACTS} + 7777)`, 89)}, ''),
      if(kind = 'transaction', ${METHODS}[1 + ${hash(n, 97)} % 5], ''),
      if(kind = 'transaction', toString(${hash(n, 101)} % 1000000000000000000), ''),
      if(kind = 'transaction', if(${hash(n, 103)} % 1000 < 60, 'failed', 'success'), ''),
      if(kind = 'track', ['category'], emptyArrayString()),
      if(kind = 'track', [${SECTION_TITLES}[idx]], emptyArrayString()),
      if(kind = 'identify', ['plan'], emptyArrayString()),
      if(kind = 'identify', [${PLANS}[1 + ${hash(pa, 109)} % 3]], emptyArrayString())
    FROM (
      SELECT number + ${offset + seed} AS n,
        ${hash(n, 13)} % ${project.sessions} AS s,
        s % ${project.anonymous} AS a,
        a + ${seed} AS pa,
        s + ${seed} AS ps,
        ${hash(pa, 71)} % ${project.wallets} + ${seed} AS w,
        multiIf(${hash(n, 3)} % 1000 < 550, 'page', ${hash(n, 3)} % 1000 < 900, 'track',
          ${hash(n, 3)} % 1000 < 920, 'identify', ${hash(n, 3)} % 1000 < 970, 'transaction', 'wallet') AS kind,
        kind IN ('page', 'track') AS web,
        ${unit(n, 19)} AS u_event,
        multiIf(kind != 'track', 0, u_event < 0.08, 1, u_event < 0.13, 2, u_event < 0.15, 3, 0) AS step,
        multiIf(
          step = 1, toUInt32(${funnelStart} + ${hash(n, 7)} % 3600),
          step = 2, toUInt32(${funnelStart} + 3600 + ${hash(n, 7)} % 39600),
          step = 3, toUInt32(${funnelStart} + 43200 + ${hash(n, 7)} % 39600),
          ${hash(n, 5)} % 1000 = 0, toUInt32(${range.endSeconds - 1} - ${hash(n, 7)} % ${currentHour}),
          toUInt32(${range.startSeconds} + ${hash(n, 7)} % ${span})) AS ts,
        ${zipf(unit(n, 41), PAGE_PATHS)} AS k,
        multiIf(k = 1, 1, k <= ${SECTIONS.length}, k, 2 + k % ${SECTIONS.length - 1}) AS idx,
        multiIf(k = 1, '/', k <= ${SECTIONS.length}, concat('/', ${SECTIONS}[idx]),
          concat('/', ${SECTIONS}[idx], '/', toString(k))) AS path,
        concat(if(${SECTIONS}[idx] = 'docs', 'docs.', 'www.'), ${project.domain}) AS host,
        if(web AND ${hash(n, 43)} % 100 >= 35, ${REFERRERS}[${zipf(unit(n, 47), REFERRERS.length)}], '')
          AS referrer_host
      FROM numbers(${rows})
    )`;
}

/** Where the generation is: a line rewritten on a terminal, else about ten lines in all. */
function progress(done, total, began) {
  const text = `  ${fmt(done)} / ${fmt(total)} events of Big, ${((performance.now() - began) / 1000).toFixed(0)} s`;
  if (process.stdout.isTTY) process.stdout.write(`\r${text}`);
  else if (done === total || (done / CHUNK) % Math.max(1, Math.round(total / CHUNK / 10)) === 0)
    console.log(text);
}

/** Both projects' events, in 1M-row INSERTs; the time taken. */
async function generate(env, ch, [big, small], range) {
  // A client of its own: a chunk may take longer than the shared client's 30 s request timeout.
  const { createClient, ClickHouseLogLevel } = require('@clickhouse/client');
  const inserter = createClient({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
    request_timeout: INSERT_TIMEOUT_MS,
    compression: { request: false, response: false },
    // Without the progress headers the client suggests for long requests (against a load balancer's idle
    // timeout; there is none here): with them, an INSERT that fails midway may still answer 200.
    log: { level: ClickHouseLogLevel.ERROR },
  });
  const began = performance.now();
  try {
    for (const project of [big, small]) {
      for (let offset = 0; offset < project.events; offset += CHUNK) {
        const rows = Math.min(CHUNK, project.events - offset);
        try {
          await inserter.command({ query: ch.toSql(chunkQuery(ch, project, range, offset, rows)) });
        } catch (error) {
          fail(`generating ${project.name}'s events (rows ${offset} on) failed: ${error.message}`);
        }
        if (project === big) progress(offset + rows, project.events, began);
      }
    }
  } finally {
    await inserter.close();
  }
  const seconds = (performance.now() - began) / 1000;
  if (process.stdout.isTTY) process.stdout.write('\n');
  const total = big.events + small.events;
  console.log(
    `generated ${fmt(total)} events in ${seconds.toFixed(1)} s (${fmt(total / seconds)} events/s; ` +
      'including whatever materialized views the build puts on `events`)',
  );
  return { seconds, eventsPerSecond: total / seconds, endedAt: performance.now() };
}

async function countEvents(ch, projectId) {
  return Number(await scalar(ch, ch.sql`SELECT count() FROM events WHERE project_id = ${projectId}`));
}

/** Bytes on disk of the database's active parts, by table (`bytes` on servers without bytes_on_disk). */
async function diskUsage(ch, database) {
  const { sql, identifier } = ch;
  const hasOnDisk = Number(
    await scalar(
      ch,
      sql`SELECT count() FROM system.columns WHERE database = 'system' AND table = 'parts' AND name = 'bytes_on_disk'`,
    ),
  );
  const column = identifier(hasOnDisk > 0 ? 'bytes_on_disk' : 'bytes');
  const rows = await select(
    ch,
    sql`SELECT table, sum(${column}) AS bytes, sum(rows) AS rows, count() AS parts FROM system.parts
      WHERE database = ${database} AND active GROUP BY table ORDER BY bytes DESC`,
  );
  const tables = rows.map((row) => ({
    table: row.table,
    bytes: Number(row.bytes),
    rows: Number(row.rows),
    parts: Number(row.parts),
  }));
  const total = tables.reduce((sum, table) => sum + table.bytes, 0);
  // Tables of a row per event (or per named event) grow with the events; the roll-ups grow with periods
  // and distinct values, and are counted as they are.
  const perEvent = tables
    .filter((t) => PER_EVENT_TABLES.includes(t.table))
    .reduce((sum, t) => sum + t.bytes, 0);
  const per100M = (perEvent * 1e8) / (BIG_EVENTS + SMALL_EVENTS) + (total - perEvent);
  return { column: hasOnDisk > 0 ? 'bytes_on_disk' : 'bytes', tables, total, per100M };
}

function printDisk(disk) {
  console.log(
    `on disk (system.parts ${disk.column}, active parts): ${mb(disk.total)} in all; ` +
      disk.tables.map((t) => `${t.table} ${mb(t.bytes)} (${fmt(t.rows)} rows, ${t.parts} parts)`).join(', '),
  );
  console.log(
    `  for 100M events: ~${gb(disk.per100M)} (${PER_EVENT_TABLES.join(' and ')} linearly, the rest as it is); ` +
      'keep about twice that free for merges ' +
      '(the raw JSON and user agents ingestion stores are not generated: a real tenant takes more)',
  );
}

// ---------------------------------------------------------------------------------------------------
// The roll-up.

/**
 * Closed hours and days of the project written since they were last rolled up (or never rolled): the
 * project's hours in hour_writes before the previous hour (and the UTC days before the one that hour is
 * in) whose last write is not older than the version rollup_state names for them (its seconds part).
 */
async function periodsBehind(ch, projectId) {
  const { sql } = ch;
  const hourBound = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
  const dayBound = Math.floor(hourBound / DAY_MS) * DAY_MS;
  const hours = sql`SELECT count() FROM (
      SELECT hour, max(last_write) AS w FROM hour_writes
      WHERE project_id = ${projectId} AND hour < ${new Date(hourBound)} GROUP BY hour
    ) ANY LEFT JOIN (
      SELECT period AS hour, max(version) AS v FROM rollup_state
      WHERE project_id = ${projectId} AND grain = 'hour' GROUP BY hour
    ) USING hour WHERE intDiv(v, 1000000) <= toUnixTimestamp(w)`;
  const days = sql`SELECT count() FROM (
      SELECT toStartOfDay(hour) AS day, max(last_write) AS w FROM hour_writes
      WHERE project_id = ${projectId} AND hour < ${new Date(dayBound)} GROUP BY day
    ) ANY LEFT JOIN (
      SELECT period AS day, max(version) AS v FROM rollup_state
      WHERE project_id = ${projectId} AND grain = 'day' GROUP BY day
    ) USING day WHERE intDiv(v, 1000000) <= toUnixTimestamp(w)`;
  return { hours: Number(await scalar(ch, hours)), days: Number(await scalar(ch, days)) };
}

/** Polls until no closed hour or day of the project is behind its roll-up; how long that took. */
async function waitForRollup(ch, projectId, generatedAt) {
  const { sql } = ch;
  const tables = ['hour_writes', 'rollup_state'];
  const present = await select(
    ch,
    sql`SELECT name FROM system.tables WHERE database = currentDatabase() AND has(${tables}, name)`,
  );
  const missing = tables.filter((table) => !present.some((row) => row.name === table));
  if (missing.length > 0) {
    fail(
      `the roll-up's table(s) ${missing.join(', ')} are not in the bench database: this build of analytics has ` +
        'no timed roll-up; BENCH_SKIP_ROLLUP_WAIT=1 measures without waiting',
    );
  }
  const started = performance.now();
  const deadline = started + ROLLUP_TIMEOUT_MS;
  console.log(
    `\nWaiting for the roll-up to catch up with Big's closed hours and days (every ${ROLLUP_POLL_MS / 1000} s, ` +
      `at most ${(ROLLUP_TIMEOUT_MS / 60_000).toFixed(1)} min)`,
  );
  let behind = null;
  let lastPrinted = '';
  let lastError = null;
  const describe = () => (behind ? `${fmt(behind.hours)} hour(s) and ${fmt(behind.days)} day(s) behind` : '');
  for (;;) {
    try {
      behind = await periodsBehind(ch, projectId);
      lastError = null;
    } catch (error) {
      // ClickHouse busy: ask again at the next turn (until the deadline).
      const message = error.message.split('\n')[0];
      if (message !== lastError) console.log(`  the query failed (asking again): ${message}`);
      lastError = message;
    }
    const now = performance.now();
    if (behind && behind.hours === 0 && behind.days === 0) {
      const seconds = (now - started) / 1000;
      console.log(
        `roll-up caught up: ${seconds.toFixed(1)} s after the wait began ` +
          `(${((now - generatedAt) / 1000).toFixed(1)} s after the last insert)`,
      );
      return { seconds, sinceInsertSeconds: (now - generatedAt) / 1000, timedOut: false };
    }
    if (behind && describe() !== lastPrinted) {
      lastPrinted = describe();
      console.log(`  ${((now - started) / 1000).toFixed(0).padStart(5)} s: ${lastPrinted}`);
    }
    if (now > deadline) {
      console.log(
        `roll-up NOT caught up after ${(ROLLUP_TIMEOUT_MS / 1000).toFixed(0)} s ` +
          `(${behind ? describe() : `no answer: ${lastError}`}); measuring anyway, exit code 1`,
      );
      return { seconds: (now - started) / 1000, timedOut: true, behind };
    }
    await sleep(ROLLUP_POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------------
// Queries over HTTP.

/** Requests to the gateway, timed, with every status seen counted. */
function analyticsClient(gateway) {
  const statuses = new Map();
  const call = async (project, request) => {
    const { path, params = {}, body } = request.build();
    const query = new URLSearchParams(params).toString();
    const url = `${gateway}/v1/projects/${project.projectId}/analytics/${path}${query ? `?${query}` : ''}`;
    const began = performance.now();
    let status = 0;
    let answer = null;
    try {
      const response = await fetch(url, {
        method: body ? 'POST' : 'GET',
        headers: {
          authorization: `Bearer ${project.key}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      status = response.status;
      try {
        answer = JSON.parse(text);
      } catch {
        answer = text;
      }
    } catch {
      status = 0; // no answer: refused, reset or past 60 s
    }
    const ms = performance.now() - began;
    const label = status === 0 ? 'error' : String(status);
    statuses.set(label, (statuses.get(label) ?? 0) + 1);
    return { ms, status, answer };
  };
  return { call, statuses };
}

/** Until analytics answers over the bus (it may still be joining NATS when the gateway is up). */
async function waitForAnalytics(client, project) {
  let last = null;
  const request = { build: () => ({ path: 'summary' }) };
  await waitFor(
    async () => {
      last = await client.call(project, request);
      return last.status !== 503 && last.status !== 0;
    },
    () => `the analytics service to answer (last: ${last?.status} ${JSON.stringify(last?.answer)})`,
    60_000,
  );
  if (last.status !== 200) fail(`analytics answered ${last.status}: ${JSON.stringify(last.answer)}`);
  client.statuses.clear();
}

/** `from` and `to` of the last `days` days up to now (now taken at each call). */
function lastDays(days) {
  const now = Date.now();
  return { from: new Date(now - days * DAY_MS).toISOString(), to: new Date(now).toISOString() };
}

/** The endpoints timed on Big, with their targets. */
function endpointCases(big) {
  const funnelBody = { steps: FUNNEL.map((event) => ({ event })), windowSeconds: 86_400 };
  const cases = [
    { name: 'summary, 30 d', kind: 'summary', build: () => ({ path: 'summary', params: lastDays(30) }) },
    { name: 'summary, default range (7 d)', kind: 'summary', build: () => ({ path: 'summary' }) },
    {
      name: 'timeseries events/day, 30 d',
      kind: 'timeseries',
      build: () => ({ path: 'timeseries', params: { metric: 'events', interval: 'day', ...lastDays(30) } }),
    },
    {
      name: 'timeseries users/hour, 7 d',
      kind: 'timeseries',
      build: () => ({ path: 'timeseries', params: { metric: 'users', interval: 'hour', ...lastDays(7) } }),
    },
    {
      name: 'timeseries events/day Asia/Kolkata, 30 d',
      kind: 'timeseries',
      build: () => ({
        path: 'timeseries',
        params: { metric: 'events', interval: 'day', tz: 'Asia/Kolkata', ...lastDays(30) },
      }),
    },
    ...['event', 'page', 'country', 'referrer'].map((dimension) => ({
      name: `top ${dimension}, 30 d`,
      kind: 'top',
      build: () => ({ path: 'top', params: { dimension, ...lastDays(30) } }),
    })),
    {
      name: 'funnel 3 steps, 1-day window, 30 d',
      kind: 'funnel',
      build: () => ({ path: 'funnel', params: lastDays(30), body: funnelBody }),
    },
    { name: 'events, newest 50', kind: 'events', build: () => ({ path: 'events', params: { limit: '50' } }) },
    {
      name: 'events, second page (cursor)',
      kind: 'events',
      // The cursor of the newest page, taken once before the runs.
      prepare: async (client) => {
        const first = await client.call(big, { build: () => ({ path: 'events', params: { limit: '50' } }) });
        const cursor = first.answer?.nextCursor;
        if (first.status !== 200 || typeof cursor !== 'string') {
          return `no second page (first page: ${first.status}, nextCursor ${JSON.stringify(cursor ?? null)})`;
        }
        return { cursor };
      },
      build: (prepared) => ({ path: 'events', params: { limit: '50', cursor: prepared.cursor } }),
    },
  ];
  return cases.map((item) => ({ ...item, project: big, target: TARGETS[item.kind] }));
}

/** WARMUP then RUNS sequential requests; p50 / p95, non-2xx statuses, `approximate`. */
async function measure(client, item) {
  let prepared = null;
  if (item.prepare) {
    prepared = await item.prepare(client);
    if (typeof prepared === 'string') return { ...item, skipped: prepared };
  }
  const request = { build: () => item.build(prepared) };
  const samples = [];
  const failures = new Map();
  const approximate = new Set();
  let lastAnswer = null;
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const { ms, status, answer } = await client.call(item.project, request);
    if (run < WARMUP) continue;
    samples.push(ms);
    if (status < 200 || status >= 300) {
      const label = status === 0 ? 'error' : String(status);
      failures.set(label, (failures.get(label) ?? 0) + 1);
      continue;
    }
    approximate.add(
      answer && typeof answer === 'object' && 'approximate' in answer ? answer.approximate : '-',
    );
    lastAnswer = answer;
  }
  const { p50, p95 } = percentiles(samples);
  const non2xx = [...failures.values()].reduce((sum, n) => sum + n, 0);
  return {
    ...item,
    p50,
    p95,
    non2xx,
    failures,
    approximate: describeApproximate(approximate),
    met: p95 <= item.target && non2xx === 0,
    lastAnswer,
  };
}

function describeApproximate(values) {
  if (values.size === 0) return '-';
  if (values.size > 1) return `mixed (${[...values].map(String).join(', ')})`;
  const [value] = values;
  return value === true ? 'true' : value === false ? 'false' : value === '-' ? '-' : String(value);
}

/** What the last run of some endpoints answered: a check that the data has the intended shape. */
function printAnswers(results) {
  const answer = (name) => results.find((result) => result.name === name)?.lastAnswer ?? null;
  const items = (name, count) =>
    (answer(name)?.items ?? [])
      .slice(0, count)
      .map((item) => `${item.value || "''"} ${fmt(item.count)}`)
      .join(', ');
  const points = answer('timeseries events/day, 30 d')?.points ?? [];
  const list = answer('events, newest 50');
  console.log('  answers of the last runs:');
  console.log(`    summary, 30 d: ${JSON.stringify(answer('summary, 30 d'))}`);
  console.log(
    `    funnel: ${(answer('funnel 3 steps, 1-day window, 30 d')?.steps ?? [])
      .map((step) => `${step.event} ${fmt(step.users)} (${step.conversion})`)
      .join(' → ')}`,
  );
  console.log(`    top event: ${items('top event, 30 d', 5)}`);
  console.log(`    top page: ${items('top page, 30 d', 5)}`);
  console.log(`    top referrer: ${items('top referrer, 30 d', 5)}`);
  console.log(
    `    timeseries events/day: ${points.length} points, first ${points[0]?.t} ${points[0]?.value}, ` +
      `last ${points.at(-1)?.t} ${points.at(-1)?.value}`,
  );
  console.log(
    `    events: ${list?.items?.length ?? 0} items, newest ${list?.items?.[0]?.timestamp}, ` +
      `nextCursor ${list?.nextCursor ? 'set' : 'null'}`,
  );
}

function printEndpoint(result) {
  if (result.skipped) {
    console.log(`  ${result.name.padEnd(NAME_WIDTH)} skipped: ${result.skipped}`);
    return;
  }
  console.log(
    `  ${result.name.padEnd(NAME_WIDTH)} p50 ${ms(result.p50)}  p95 ${ms(result.p95)}  ` +
      `non-2xx ${failuresText(result).padEnd(12)} approximate ${result.approximate.padEnd(5)}  ` +
      `target p95 <= ${result.target} ms: ${result.met ? 'met' : 'NOT met'}`,
  );
}

function failuresText(result) {
  if (result.non2xx === 0) return '0';
  return `${result.non2xx} (${[...result.failures].map(([status, n]) => `${status}×${n}`).join(', ')})`;
}

/** Small's summary alone, then while SKEW_LOOPS loops keep Big busy. */
async function skew(client, big, small) {
  const smallSummary = {
    name: "Small's summary, 30 d",
    kind: 'summary',
    project: small,
    target: TARGETS.summary,
    build: () => ({ path: 'summary', params: lastDays(30) }),
  };
  console.log(`\nSkew: Small's 30-day summary alone, then while ${SKEW_LOOPS} loops query Big back to back`);
  const alone = await measure(client, smallSummary);
  console.log(
    `  ${'alone'.padEnd(NAME_WIDTH)} p50 ${ms(alone.p50)}  p95 ${ms(alone.p95)}  non-2xx ${failuresText(alone)}`,
  );

  const cycle = endpointCases(big).filter((item) =>
    [
      'summary, 30 d',
      'top page, 30 d',
      'funnel 3 steps, 1-day window, 30 d',
      'timeseries events/day, 30 d',
    ].includes(item.name),
  );
  let running = true;
  const loops = Array.from({ length: SKEW_LOOPS }, (_, index) => ({
    answers: 0,
    samples: [],
    failures: new Map(),
    index,
  }));
  const runs = loops.map(async (loop) => {
    for (let i = loop.index; running; i++) {
      const item = cycle[i % cycle.length];
      const { ms: took, status } = await client.call(big, { build: () => item.build() });
      loop.answers += 1;
      loop.samples.push(took);
      if (status < 200 || status >= 300) {
        const label = status === 0 ? 'error' : String(status);
        loop.failures.set(label, (loop.failures.get(label) ?? 0) + 1);
      }
    }
  });
  // The load is on before the measuring starts: every loop has had an answer (or 10 s went by).
  const began = performance.now();
  while (loops.some((loop) => loop.answers === 0) && performance.now() - began < 10_000) await sleep(20);
  let loaded;
  try {
    loaded = await measure(client, smallSummary);
  } finally {
    running = false;
    await Promise.all(runs);
  }
  const seconds = (performance.now() - began) / 1000;
  const bigSamples = loops.flatMap((loop) => loop.samples);
  const bigFailures = new Map();
  for (const loop of loops) {
    for (const [status, n] of loop.failures) bigFailures.set(status, (bigFailures.get(status) ?? 0) + n);
  }
  const bigLoad = {
    answers: bigSamples.length,
    seconds,
    perSecond: bigSamples.length / seconds,
    ...percentiles(bigSamples),
    failures: bigFailures,
    non2xx: [...bigFailures.values()].reduce((sum, n) => sum + n, 0),
  };
  const ratio = {
    p50: alone.p50 > 0 ? loaded.p50 / alone.p50 : null,
    p95: alone.p95 > 0 ? loaded.p95 / alone.p95 : null,
  };
  console.log(
    `  ${'with Big busy'.padEnd(NAME_WIDTH)} p50 ${ms(loaded.p50)}  p95 ${ms(loaded.p95)}  ` +
      `non-2xx ${failuresText(loaded)}`,
  );
  console.log(
    `  ${'ratio busy / alone'.padEnd(NAME_WIDTH)} p50 ×${show(ratio.p50, 2)}  p95 ×${show(ratio.p95, 2)}`,
  );
  console.log(
    `  Big's loops meanwhile: ${fmt(bigLoad.answers)} answers in ${seconds.toFixed(1)} s ` +
      `(${bigLoad.perSecond.toFixed(1)}/s), p50 ${ms(bigLoad.p50)}  p95 ${ms(bigLoad.p95)}  ` +
      `non-2xx ${failuresText(bigLoad)}`,
  );
  return { alone, loaded, ratio, bigLoad };
}

// ---------------------------------------------------------------------------------------------------
// Output.

function printHeader(env, loadAtStart) {
  const cpus = os.cpus();
  console.log(`Big-tenant analytics benchmark, ${new Date().toISOString()}`);
  console.log(
    `Machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${gb(os.totalmem())} memory, ` +
      `Node ${process.version}; ${loadAtStart}`,
  );
  console.log(
    `Events: Big ${fmt(BIG_EVENTS)}, Small ${fmt(SMALL_EVENTS)}, over the last ${DAYS} days; ` +
      `${RUNS} runs per endpoint after ${WARMUP} warm-up runs`,
  );
  const knobs = {
    BENCH_BIG_EVENTS: BIG_EVENTS,
    BENCH_RUNS: RUNS,
    BENCH_ROLLUP_TIMEOUT_MS: ROLLUP_TIMEOUT_MS,
    BENCH_SKIP_ROLLUP_WAIT: SKIP_ROLLUP_WAIT ? '1' : '(unset)',
    BENCH_CLICKHOUSE_DATABASE: env.CLICKHOUSE_DATABASE,
  };
  // Whatever else of the bench's or the services' settings the shell set.
  for (const [name, value] of Object.entries(process.env)) {
    if (name in knobs || !/^(BENCH_|ANALYTICS_|BUS_TIMEOUT_MS$|NATS_SERVER$)/.test(name)) continue;
    knobs[name] = value;
  }
  console.log(
    `Settings: ${Object.entries(knobs)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}`,
  );
}

function report(figures) {
  const { generation, disk, rollup, endpoints, skew: skewed, statuses } = figures;
  const line = (what, value, target = '', verdict = '') =>
    console.log(
      `  ${what.padEnd(NAME_WIDTH + 12)} ${String(value).padStart(22)}   ${target.padEnd(14)} ${verdict}`,
    );
  console.log('\nSummary');
  line('events generated (Big + Small)', `${fmt(figures.counts.big)} + ${fmt(figures.counts.small)}`);
  line('generation time', `${generation.seconds.toFixed(1)} s`);
  line('generation rate', `${fmt(generation.eventsPerSecond)} events/s`);
  line(`on disk (${disk.column}, active parts)`, mb(disk.total));
  line('on disk, extrapolated to 100M events', `~${gb(disk.per100M)}`);
  line(
    'roll-up caught up after',
    rollup.skipped
      ? 'skipped'
      : rollup.timedOut
        ? `> ${rollup.seconds.toFixed(0)} s`
        : `${rollup.seconds.toFixed(1)} s`,
    '',
    rollup.timedOut ? 'TIMED OUT' : '',
  );
  for (const result of endpoints) {
    if (result.skipped) {
      line(result.name, 'skipped');
      continue;
    }
    line(
      `${result.name} (p50 / p95)`,
      `${result.p50.toFixed(1)} / ${result.p95.toFixed(1)} ms`,
      `p95 <= ${result.target} ms`,
      `${result.met ? 'met' : 'NOT met'}${result.non2xx ? `; non-2xx ${failuresText(result)}` : ''}` +
        `; approximate ${result.approximate}`,
    );
  }
  line(
    "Small's summary alone (p50 / p95)",
    `${skewed.alone.p50.toFixed(1)} / ${skewed.alone.p95.toFixed(1)} ms`,
  );
  line(
    "Small's summary, Big busy (p50 / p95)",
    `${skewed.loaded.p50.toFixed(1)} / ${skewed.loaded.p95.toFixed(1)} ms`,
  );
  line('  ratio busy / alone (p50 / p95)', `×${show(skewed.ratio.p50, 2)} / ×${show(skewed.ratio.p95, 2)}`);
  line(
    "  Big's loops meanwhile (answers/s, p50 / p95)",
    `${skewed.bigLoad.perSecond.toFixed(1)}/s, ${skewed.bigLoad.p50.toFixed(0)} / ${skewed.bigLoad.p95.toFixed(0)} ms`,
  );
  const unavailable = statuses.get('503') ?? 0;
  line('503 answers, all requests', fmt(unavailable), 'none', unavailable === 0 ? 'met' : 'NOT met');
  line(
    'answers by status, all requests',
    [...statuses]
      .sort()
      .map(([status, n]) => `${status}×${n}`)
      .join(' '),
  );
  const measured = endpoints.filter((result) => !result.skipped);
  const missed = measured.filter((result) => !result.met).map((result) => result.name);
  console.log(
    missed.length === 0 && unavailable === 0
      ? '\nEvery target met.'
      : `\nTargets missed: ${[...missed, ...(unavailable > 0 ? ['no 503'] : [])].join('; ')}`,
  );
  console.log(`Machine at start: ${figures.loadAtStart}\nMachine at end:   ${figures.loadAtEnd}`);
  console.log("note: the load generator, the services and ClickHouse share this machine's cores");
}

// ---------------------------------------------------------------------------------------------------
// Small helpers.

async function select(ch, fragment) {
  const result = await ch.clickhouse.query({ query: ch.toSql(fragment), format: 'JSONEachRow' });
  return result.json();
}

async function scalar(ch, fragment) {
  const [row] = await select(ch, fragment);
  return row ? Object.values(row)[0] : null;
}

/** Nearest-rank percentiles, in ms with their decimals (20 samples: p95 is the 19th). */
function percentiles(samples) {
  if (samples.length === 0) return { p50: NaN, p95: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
  return { p50: at(0.5), p95: at(0.95) };
}

function machineLoad() {
  const [one, five, fifteen] = os.loadavg().map((value) => value.toFixed(2));
  return `load average ${one} / ${five} / ${fifteen} (1 / 5 / 15 min), ${os.cpus().length} cores`;
}

function positiveInteger(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`bench:analytics:big: ${name} must be a positive integer (got ${JSON.stringify(text)})`);
    process.exit(1);
  }
  return value;
}

function ms(value) {
  return `${show(value, 1).padStart(7)} ms`;
}

function mb(bytes) {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function gb(bytes) {
  return bytes === null ? '–' : `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function show(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return value.toFixed(digits);
}
