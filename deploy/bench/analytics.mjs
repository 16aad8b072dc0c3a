#!/usr/bin/env node
// Analytics benchmark (`npm run bench:analytics`; needs `npm run build` first, which the npm script runs).
//
//   1. Creates and migrates a separate ClickHouse database (northstar_bench: ingestion's events table,
//      then analytics' roll-up tables), and generates BENCH_EVENTS (10 million) events over the last 30
//      days for 100 projects straight into ClickHouse (INSERT ... SELECT FROM numbers(), in 1M-row
//      chunks), then runs the roll-up job (RollupJob) until it has rolled every closed hour and day.
//      Skipped when the database already holds them (BENCH_REGENERATE=1 to start over).
//   2. Times every query endpoint for one project over the 30 days through the analytics service class
//      itself (AnalyticsService with its real repository on ClickHouse; the tenancy access check, an
//      in-memory cache hit in steady state, is left out): p50 / p95 over BENCH_RUNS runs after warm-up.
//      Target: p95 <= 100 ms each. One big project through the gateway: `npm run bench:analytics:big`.
//   3. A saved dashboard of six insights (summary, two series, two top lists, a funnel), evaluated as
//      GET /v1/dashboards/:id/data evaluates them: every insight at once through InsightEvaluator (the
//      query routes' own service methods), p95 of the whole call (the dashboard's PostgreSQL read left out).
//   4. The approximate-uniques summary across all projects (uniq: people, wallets, sessions).
//   5. A custom metric of one project with BENCH_METRIC_POINTS (10 million) points over the same 30 days
//      (straight into ClickHouse's `metrics`, as for the events; skipped when already there), 1% of
//      them written twice as a redelivery would, tagged with a region of 5 and a host of 50. Times its
//      series through MetricSeriesQuery (what GET /v1/projects/:projectId/metrics/:name and saved
//      insights call): avg and p95 per hour, sum per day, p95 per day by region, and the names list.
//      Target: p95 <= 500 ms each (the last two days read with FINAL, so a duplicated id counts once).
//
// Environment: CLICKHOUSE_URL (http://127.0.0.1:8123), CLICKHOUSE_USER, CLICKHOUSE_PASSWORD,
// BENCH_DATABASE (northstar_bench), BENCH_EVENTS (10000000), BENCH_METRIC_POINTS (10000000),
// BENCH_RUNS (30), BENCH_REGENERATE.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'dist');
const require = createRequire(import.meta.url);
const fromDist = (path) => require(join(DIST, path));

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const METRIC_POINTS = Number(process.env.BENCH_METRIC_POINTS ?? 10_000_000);
const METRIC_NAME = 'bench.latency';
const METRIC_TARGET_P95_MS = 500;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 3;
const PROJECTS = 100;
const DAYS = 30;
const CHUNK = 1_000_000;
const TARGET_P95_MS = 100;
const connection = {
  url: process.env.CLICKHOUSE_URL || 'http://127.0.0.1:8123',
  database: process.env.BENCH_DATABASE || 'northstar_bench',
  username: process.env.CLICKHOUSE_USER || 'default',
  password: process.env.CLICKHOUSE_PASSWORD || '',
};

if (!existsSync(join(DIST, 'apps/analytics/src/clickhouse-migrations.js'))) {
  console.error('dist/ has no build of analytics: run `npm run build` first');
  process.exit(1);
}
const { createClickHouse, migrateClickHouse } = fromDist('libs/clickhouse/src/index.js');
const { eventStoreMigrations } = fromDist('apps/ingestion/src/clickhouse-migrations.js');
const { analyticsMigrations } = fromDist('apps/analytics/src/clickhouse-migrations.js');
const { AnalyticsRepository } = fromDist('apps/analytics/src/query/analytics.repository.js');
const { AnalyticsService } = fromDist('apps/analytics/src/query/analytics.service.js');
const { RollupJob } = fromDist('apps/analytics/src/rollup/rollup-job.js');
const { InsightEvaluator } = fromDist('apps/analytics/src/dashboards/insight-evaluator.js');
const { MetricSeriesQuery } = fromDist('apps/analytics/src/metrics/metric-series.query.js');
const { MetricsService } = fromDist('libs/observability/src/index.js');

// The analytics service's settings, its roll-up job run by hand (no timer, no settling wait).
const CONFIG = {
  ANALYTICS_QUERY_BUDGET_MS: 4000,
  ANALYTICS_MAX_QUERIES_PER_PROJECT: 4,
  ANALYTICS_ROLLUP_INTERVAL_MS: 0,
  ANALYTICS_ROLLUP_SETTLE_SECONDS: 0,
  ANALYTICS_ROLLUP_REROLL_SECONDS: 0,
  ANALYTICS_MAX_RANGE_DAYS: 400,
};

// Stable ids, so that a second run finds the projects of the first.
const projectId = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const PROJECT_IDS = Array.from({ length: PROJECTS }, (_, n) => projectId(n));

const DAY_MS = 86_400_000;
const end = Math.floor(Date.now() / DAY_MS) * DAY_MS; // today 00:00 UTC: the 30 days are closed
const start = end - DAYS * DAY_MS;

async function count(client) {
  const result = await client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' });
  const [row] = await result.json();
  return Number(row.n);
}

async function generate(client) {
  const existing = await count(client);
  if (existing >= EVENTS && !process.env.BENCH_REGENERATE) {
    console.log(
      `${connection.database}: ${existing.toLocaleString()} events already there (BENCH_REGENERATE=1 to redo)`,
    );
    return;
  }
  for (const table of [
    'events',
    'hour_writes',
    'funnel_events',
    'rollup_counts',
    'rollup_people',
    'rollup_top',
    'rollup_state',
  ]) {
    await client.command({ query: `TRUNCATE TABLE ${table}` });
  }
  const ids = `[${PROJECT_IDS.map((id) => `'${id}'`).join(',')}]`;
  const spanSeconds = DAYS * 86_400;
  const startSeconds = start / 1000;
  const began = Date.now();
  for (let offset = 0; offset < EVENTS; offset += CHUNK) {
    const rows = Math.min(CHUNK, EVENTS - offset);
    // Skewed per project (a few big ones, a long tail), a hundred event names, 5% pages, 10% transactions.
    await client.command({
      query: `INSERT INTO events (project_id, event_id, message_id, type, event, user_id, anonymous_id,
          session_id, timestamp, timestamp_ms, received_at, page_path, page_referrer_host, country, browser,
          os, chain_id, wallet_address, contract_address, method, tx_status)
        SELECT ${ids}[1 + (intHash32(n) % ${PROJECTS})] AS project_id, generateUUIDv4(), toString(n),
          multiIf(n % 20 = 0, 'page', n % 10 = 1, 'transaction', 'track') AS type,
          concat('Event ', toString(intHash32(n * 3) % 100)),
          if(n % 3 = 0, '', concat('u', toString(intHash32(n * 7) % 20000))),
          concat('a', toString(intHash32(n * 11) % 40000)),
          concat('s', toString(intHash32(n * 13) % 200000)),
          toDateTime(${startSeconds} + intHash64(n * 17) % ${spanSeconds}, 'UTC'), n % 1000,
          toDateTime(${startSeconds} + intHash64(n * 17) % ${spanSeconds}, 'UTC'),
          concat('/p', toString(n % 50)), ['google.com', 'x.com', '', 'news.ycombinator.com'][1 + n % 4],
          ['FR', 'US', 'DE', 'BR', 'IN', 'JP'][1 + intHash32(n) % 6], ['Chrome', 'Firefox', 'Safari'][1 + n % 3],
          ['Linux', 'macOS', 'Windows', 'iOS', 'Android'][1 + n % 5],
          if(type = 'transaction', [1, 137, 8453, 42161][1 + n % 4], 0),
          if(type = 'transaction', concat('0x', lower(hex(intHash64(n % 50000)))), ''),
          if(type = 'transaction', concat('0x', lower(hex(intHash64(n % 30)))), ''),
          if(type = 'transaction', ['swap', 'transfer', 'mint'][1 + n % 3], ''),
          if(type = 'transaction', if(n % 17 = 0, 'failed', 'success'), '')
        FROM (SELECT number + ${offset} AS n FROM numbers(${rows}))`,
    });
    process.stdout.write(
      `\rgenerated ${(offset + rows).toLocaleString()} / ${EVENTS.toLocaleString()} events`,
    );
  }
  const seconds = (Date.now() - began) / 1000;
  console.log(
    `\n${EVENTS.toLocaleString()} events in ${seconds.toFixed(1)} s (${Math.round(EVENTS / seconds).toLocaleString()}/s)`,
  );
  // The writes of the last second settle once it is over.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const job = new RollupJob(client, CONFIG, new MetricsService());
  const rolling = Date.now();
  const rolled = { hours: 0, days: 0 };
  for (;;) {
    const run = await job.runOnce(0);
    rolled.hours += run.hours;
    rolled.days += run.days;
    if (!run.more && run.hours === 0 && run.days === 0) break;
  }
  console.log(
    `roll-up: ${rolled.hours.toLocaleString()} project-hours and ${rolled.days.toLocaleString()} project-days in ${((Date.now() - rolling) / 1000).toFixed(1)} s`,
  );
}

async function generateMetrics(client, project) {
  const result = await client.query({
    query: `SELECT count() AS n FROM metrics WHERE project_id = '${project}' AND name = '${METRIC_NAME}'`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json();
  if (Number(row.n) >= METRIC_POINTS && !process.env.BENCH_REGENERATE) {
    console.log(`${Number(row.n).toLocaleString()} metric points already there (BENCH_REGENERATE=1 to redo)`);
    return;
  }
  await client.command({ query: 'TRUNCATE TABLE metrics' });
  const spanSeconds = DAYS * 86_400;
  const startSeconds = start / 1000;
  const began = Date.now();
  for (let offset = 0; offset < METRIC_POINTS; offset += CHUNK) {
    const rows = Math.min(CHUNK, METRIC_POINTS - offset);
    // Latencies in ms, skewed (most small, a long tail); every 100th point written a second time with
    // its id, as a message redelivered after a crash between insert and ack would be.
    const select = (filter) => `SELECT '${project}', '${METRIC_NAME}',
          toDateTime(${startSeconds} + intHash64(n * 19) % ${spanSeconds}, 'UTC'), n % 1000, toString(n),
          (intHash32(n * 23) % 1000) * (1 + (intHash32(n * 29) % 10 = 0) * 9) / 10,
          ['region', 'host'], [['eu', 'us', 'ap', 'sa', 'af'][1 + n % 5], concat('h', toString(intHash32(n) % 50))],
          toDateTime(${startSeconds} + intHash64(n * 19) % ${spanSeconds}, 'UTC')
        FROM (SELECT number + ${offset} AS n FROM numbers(${rows})) ${filter}`;
    const columns = `(project_id, name, timestamp, timestamp_ms, metric_id, value, tags.key, tags.value, received_at)`;
    await client.command({ query: `INSERT INTO metrics ${columns} ${select('')}` });
    await client.command({ query: `INSERT INTO metrics ${columns} ${select('WHERE n % 100 = 0')}` });
    process.stdout.write(
      `\rgenerated ${(offset + rows).toLocaleString()} / ${METRIC_POINTS.toLocaleString()} metric points`,
    );
  }
  const seconds = (Date.now() - began) / 1000;
  console.log(
    `\n${METRIC_POINTS.toLocaleString()} metric points in ${seconds.toFixed(1)} s (${Math.round(METRIC_POINTS / seconds).toLocaleString()}/s)`,
  );
}

function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { p50: at(0.5), p95: at(0.95) };
}

async function time(fn) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const began = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - began) / 1e6);
  }
  return percentiles(samples);
}

async function main() {
  await migrateClickHouse(connection, [...eventStoreMigrations, ...analyticsMigrations]);
  const client = createClickHouse(connection);
  try {
    await generate(client);
    const perProject = await client.query({
      query: `SELECT project_id, count() AS n FROM events GROUP BY project_id ORDER BY n DESC LIMIT 1`,
      format: 'JSONEachRow',
    });
    const [biggest] = await perProject.json();
    const project = biggest.project_id;

    // The service class with its real repository; access is allowed as a cached grant would, every
    // range is within retention, and no series here reads RPC usage.
    const access = { assertCanRead: async () => ({ timezone: 'UTC' }) };
    // The bench's ranges are within every plan's retention: that check (a cached tenancy answer) is left out.
    const retention = { assertWithin: async () => undefined };
    // rpc_calls is not timed here: no RPC usage repository.
    const rpcUsage = {};
    const repository = new AnalyticsRepository(client, CONFIG);
    const metricSeries = new MetricSeriesQuery(access, retention, repository, CONFIG);
    const service = new AnalyticsService(access, retention, repository, rpcUsage, CONFIG, metricSeries);
    const caller = { actor: { userId: '00000000-0000-4000-8000-000000000001', role: 'user' } };
    const base = {
      caller,
      projectId: project,
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
    };
    const cases = [
      ['summary', () => service.summary(base)],
      ['timeseries events/day', () => service.timeseries({ ...base, metric: 'events', interval: 'day' })],
      ['timeseries users/hour', () => service.timeseries({ ...base, metric: 'users', interval: 'hour' })],
      [
        'timeseries events/day Asia/Kolkata (raw)',
        () => service.timeseries({ ...base, metric: 'events', interval: 'day', tz: 'Asia/Kolkata' }),
      ],
      ['top event', () => service.top({ ...base, dimension: 'event' })],
      ['top country', () => service.top({ ...base, dimension: 'country' })],
      [
        'funnel (3 steps, 1 day)',
        () =>
          service.funnel({
            ...base,
            steps: [{ event: 'Event 1' }, { event: 'Event 2' }, { event: 'Event 3' }],
            windowSeconds: 86_400,
          }),
      ],
      ['events (newest 50)', () => service.list(base)],
      ['summary, userId filter (raw)', () => service.summary({ ...base, userId: 'u42' })],
    ];
    console.log(
      `\none project (${Number(biggest.n).toLocaleString()} events, the largest), ${DAYS} days, ${RUNS} runs each, AnalyticsService in process:`,
    );
    const results = [];
    for (const [name, fn] of cases) {
      const { p50, p95 } = await time(fn);
      results.push({ name, p50, p95 });
      console.log(
        `  ${name.padEnd(42)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms`,
      );
    }

    // A dashboard's /data: six saved insights of the project, all evaluated at once.
    const range = { from: base.from, to: base.to };
    const dashboard = [
      { kind: 'summary', params: range },
      { kind: 'timeseries', params: { ...range, metric: 'events', interval: 'day' } },
      { kind: 'timeseries', params: { ...range, metric: 'users', interval: 'hour' } },
      { kind: 'top', params: { ...range, dimension: 'event', limit: 10 } },
      { kind: 'top', params: { ...range, dimension: 'country', limit: 10 } },
      {
        kind: 'funnel',
        params: { ...range, steps: [{ event: 'Event 1' }, { event: 'Event 2' }], windowSeconds: 86_400 },
      },
    ].map((insight) => ({ ...insight, projectId: project }));
    const evaluator = new InsightEvaluator(service, metricSeries);
    const data = async () => {
      const items = await Promise.all(dashboard.map((insight) => evaluator.settle(insight, caller, {})));
      const failed = items.filter((item) => item.error);
      if (failed.length > 0) throw new Error(`dashboard items failed: ${JSON.stringify(failed)}`);
    };
    const whole = await time(data);
    // Six queries, sharing the project's query gate (ANALYTICS_MAX_QUERIES_PER_PROJECT): reported on its
    // own, not held to the one-query target.
    console.log(
      `\n  ${'dashboard of six insights (/data)'.padEnd(42)} p50 ${whole.p50.toFixed(1).padStart(7)} ms   p95 ${whole.p95.toFixed(1).padStart(7)} ms`,
    );

    const uniques = await time(async () => {
      const result = await client.query({
        query: `SELECT count() AS events, uniq(if(user_id != '', user_id, anonymous_id)) AS users,
          uniq(session_id) AS sessions, uniqIf(wallet_address, wallet_address != '') AS wallets FROM events`,
        format: 'JSONEachRow',
      });
      return result.json();
    });
    console.log(
      `\napproximate-uniques summary across all ${PROJECTS} projects (uniq over ${EVENTS.toLocaleString()} events):` +
        ` p50 ${uniques.p50.toFixed(1)} ms, p95 ${uniques.p95.toFixed(1)} ms`,
    );
    await generateMetrics(client, project);
    const metricCases = [
      ['metric avg / hour', { agg: 'avg', interval: 'hour' }],
      ['metric p95 / hour', { agg: 'p95', interval: 'hour' }],
      ['metric sum / day', { agg: 'sum', interval: 'day' }],
      ['metric p95 / day by region (5 series)', { agg: 'p95', interval: 'day', groupBy: 'region' }],
      ['metric max / hour, tag host:h7', { agg: 'max', interval: 'hour', tags: { host: 'h7' } }],
    ];
    console.log(
      `\none custom metric (${METRIC_POINTS.toLocaleString()} points, 1% twice), ${DAYS} days, ${RUNS} runs each, MetricSeriesQuery.series in process:`,
    );
    const metricResults = [];
    for (const [name, params] of metricCases) {
      const { p50, p95 } = await time(() =>
        metricSeries.series(project, { name: METRIC_NAME, ...range, ...params }),
      );
      metricResults.push({ name, p50, p95 });
      console.log(
        `  ${name.padEnd(42)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms`,
      );
    }
    const names = await time(() => metricSeries.names({ caller, projectId: project }));
    metricResults.push({ name: 'metric names', ...names });
    console.log(
      `  ${'metric names'.padEnd(42)} p50 ${names.p50.toFixed(1).padStart(7)} ms   p95 ${names.p95.toFixed(1).padStart(7)} ms`,
    );
    const slowMetrics = metricResults.filter((result) => result.p95 > METRIC_TARGET_P95_MS);
    console.log(
      slowMetrics.length === 0
        ? `target met: every custom metric query p95 <= ${METRIC_TARGET_P95_MS} ms`
        : `target missed (p95 > ${METRIC_TARGET_P95_MS} ms): ${slowMetrics.map((result) => result.name).join(', ')}`,
    );

    const slow = results.filter((result) => result.p95 > TARGET_P95_MS);
    console.log(
      slow.length === 0
        ? `\ntarget met: every one-project query p95 <= ${TARGET_P95_MS} ms`
        : `\ntarget missed (p95 > ${TARGET_P95_MS} ms): ${slow.map((result) => result.name).join(', ')}`,
    );
  } finally {
    await client.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
