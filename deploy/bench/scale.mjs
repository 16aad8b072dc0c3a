#!/usr/bin/env node
// Scaling benchmark (`npm run bench:scale`, which builds dist/ first): the throughput of ingestion and
// of analytics with one replica and with two, and the ratio. Prints figures; asserts nothing.
//
// Pinning, and why the figures are only indicative: this machine has two cores. Each measured replica
// is pinned to a core of its own with `taskset -c N` (one replica: core 0; two: cores 0 and 1), so that
// "two replicas" means two cores' worth of that service rather than two processes sharing whatever is
// free. Everything else is NOT pinned and shares the same two cores: the load generator (this
// process), NATS, ClickHouse, PostgreSQL, Redis and the other services. So a second replica can at
// best add what the rest leaves of core 1. A CPU-bound control (a Node loop doing the same fixed work,
// pinned the same way: one process on core 0, or two on cores 0 and 1) is measured in every round,
// alternating with the services, and shows how much a second core actually gave at that moment;
// the services' ratios are to be read against the control's. On a machine with more cores, set
// BENCH_CORES (e.g. "2,3") to keep the replicas off the cores the stores use.
//
// What it needs and what it starts: PostgreSQL, Redis and ClickHouse already answering, the
// nats-server binary and taskset (util-linux). With deploy/bench/lib.mjs: a NATS server of its own,
// then from dist/ identity, tenancy, keys, ingestion, analytics and the gateway (migrated first; the
// development PostgreSQL and Redis, a ClickHouse database of its own, dropped at the end). The
// platform's own ingestion and analytics are then stopped: the measured replicas are started by each
// run, pinned, and stopped after it. A user and an organisation are made through the API, the
// organisation moved to the enterprise plan over the bus (a project per ingestion run, and more events
// than the free plan takes); the organisation is deleted at the end.
//
// Each round (BENCH_ROUNDS, 3), in an order that alternates by round (1 then 2 replicas, then 2 then 1):
//   - control: BENCH_SCALE_SECONDS of the CPU loop in 1 or 2 pinned processes: loops/s;
//   - ingestion: with ingestion stopped, BENCH_SCALE_EVENTS events (batches of 100 through the
//     gateway's POST /v1/batch) wait in the EVENTS stream for a project of the run's own; then 1 or 2
//     pinned ingestion replicas start on the shared durable consumer and drain it into ClickHouse. The
//     rate is taken between 10% and 90% of the events stored (count() polled every 100 ms), so that
//     neither the replicas' start nor the last partial batch counts: events stored/s;
//   - analytics: 1 or 2 pinned analytics replicas answer `analytics.query.summary` (one project's
//     events of the ingestion runs, the last day) sent straight on the bus, signed as the gateway
//     would, BENCH_SCALE_CONCURRENCY in flight for BENCH_SCALE_SECONDS: queries/s. The gateway is left
//     out (on two cores it would be what limits), and so is the per-project limit of concurrent
//     queries (ANALYTICS_MAX_QUERIES_PER_PROJECT, per process: two replicas would simply allow twice as
//     many). Each query is mostly ClickHouse's work: expect the ratio to follow ClickHouse's share of
//     the cores rather than the replicas'.
// Then the medians of the rounds and the ratio two/one for each (the median of each round's ratio).
//
// Environment: DATABASE_URL, REDIS_URL, CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD (the
// development defaults otherwise), BENCH_ROUNDS (3), BENCH_SCALE_EVENTS (200000), BENCH_SCALE_SECONDS
// (10), BENCH_SCALE_CONCURRENCY (8), BENCH_CORES ("0,1": the cores of replica 1 and replica 2),
// BENCH_CLICKHOUSE_DATABASE (northstar_bench_scale), NATS_SERVER, BENCH_DIST, BENCH_LOG_LEVEL (warn),
// BENCH_CHILD_LOG_DIR. A short smoke run: BENCH_ROUNDS=1 BENCH_SCALE_EVENTS=20000 BENCH_SCALE_SECONDS=3.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { nodeFlagsOf } from '../build/node-flags.mjs';
import {
  batchBody,
  benchEnv,
  createAccount,
  createProjectKey,
  deleteOrganisation,
  entryOf,
  fail,
  fmt,
  freePort,
  fromDist,
  require,
  runAutocannon,
  sleep,
  spawnLogged,
  status,
  stop,
  waitFor,
  withPlatform,
} from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EVENTS = Number(process.env.BENCH_SCALE_EVENTS ?? 200_000);
const SECONDS = Number(process.env.BENCH_SCALE_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_SCALE_CONCURRENCY ?? 8);
const CORES = (process.env.BENCH_CORES ?? '0,1').split(',').map((core) => core.trim());
const BATCH = 100;
const POLL_MS = 100;

if (process.argv[2] === '--control-loop') {
  controlLoop();
} else {
  try {
    await main();
  } catch (error) {
    console.error(`bench:scale failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  }
  process.exit();
}

// ---------------------------------------------------------------------------------------------------
// The control: fixed CPU work (JSON round trips of an event), counted, until SIGTERM; the count is
// printed on stdout as it stops.

function controlLoop() {
  const event = JSON.stringify({ type: 'track', event: 'Control', properties: { n: 1, tags: ['a', 'b'] } });
  let loops = 0;
  let stopping = false;
  process.once('SIGTERM', () => (stopping = true));
  const slice = () => {
    for (let i = 0; i < 2000; i++) loops += JSON.stringify(JSON.parse(event)).length > 0 ? 1 : 0;
    if (stopping) {
      process.stdout.write(`${loops}\n`, () => process.exit(0));
      return;
    }
    setImmediate(slice);
  };
  slice();
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  if (CORES.length < 2) fail('BENCH_CORES must name two cores (e.g. "0,1")');
  if (spawnSync('taskset', ['-c', CORES[0], 'true']).status !== 0) {
    fail('taskset (util-linux) is needed, and must be able to pin to the cores of BENCH_CORES');
  }
  const cpus = os.cpus();
  const env = benchEnv('northstar_bench_scale');
  console.log(`Scaling benchmark: Node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}`);
  console.log(
    `Pinned: replica 1 on core ${CORES[0]}, replica 2 on core ${CORES[1]} (taskset -c). NOT pinned: the load ` +
      `generator (this process), NATS, ClickHouse, PostgreSQL, Redis, the gateway and the other services, ` +
      `which share the machine's ${cpus.length} cores with the replicas. Figures are indicative: read the ` +
      `services' ratios against the control's.`,
  );
  console.log(
    `${ROUNDS} round(s); ingestion: ${fmt(EVENTS)} events waiting per run; control and analytics: ${SECONDS} s per ` +
      `run, analytics with ${CONCURRENCY} queries in flight\n`,
  );

  await withPlatform(
    env,
    async (platform) => {
      const { gateway, apps } = platform;
      // The measured replicas are this bench's own, pinned: the platform's unpinned ones go.
      await stop(apps.ingestion);
      await stop(apps.analytics);
      const account = await createAccount(gateway);
      // The user the analytics queries are asked for (the token's subject), as the gateway would.
      account.userId = JSON.parse(Buffer.from(account.accessToken.split('.')[1], 'base64url').toString()).sub;
      const bus = await busClient(env);
      // A project per ingestion run and 1.2 million events by default: more than the free plan takes.
      // Moved as a platform admin would, over the bus.
      const { TenancySubjects } = fromDist('libs/contracts/src/index.js');
      await bus.client.send(TenancySubjects.setOrgPlan, {
        actor: { userId: randomUUID(), role: 'admin' },
        orgId: account.orgId,
        planId: 'enterprise',
      });
      const results = { control: [], ingestion: [], analytics: [] };
      let analyticsProject = null;
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          const order = round % 2 === 1 ? [1, 2] : [2, 1];
          console.log(`Round ${round} (${order.join(' then ')} replica(s))`);
          const figures = { control: {}, ingestion: {}, analytics: {} };
          for (const replicas of order) {
            figures.control[replicas] = await runControl(replicas);
            line('control CPU loop', replicas, figures.control[replicas], 'loops/s');
          }
          for (const replicas of order) {
            const run = await runIngestion(platform, env, account, replicas);
            figures.ingestion[replicas] = run.rate;
            analyticsProject ??= run.projectId;
            line('ingestion', replicas, run.rate, 'events stored/s');
          }
          for (const replicas of order) {
            figures.analytics[replicas] = await runAnalytics(
              platform,
              env,
              bus,
              account,
              analyticsProject,
              replicas,
            );
            line('analytics summary', replicas, figures.analytics[replicas], 'queries/s');
          }
          for (const kind of Object.keys(results)) results[kind].push(figures[kind]);
        }
      } finally {
        await bus.connection.close();
        await deleteOrganisation(gateway, account);
      }
      report(results);
    },
    { apps: ['analytics'] },
  );
}

function line(what, replicas, rate, unit) {
  const cores = CORES.slice(0, replicas).join(',');
  console.log(
    `  ${what.padEnd(20)} ${replicas} replica(s) on core(s) ${cores.padEnd(4)} ${fmt(rate).padStart(9)} ${unit}`,
  );
}

/** Starts `app` from dist/ under `taskset -c core`, with the Node flags npm start gives it. */
function startPinned(app, core, env, extra, name) {
  return spawnLogged(name, 'taskset', ['-c', core, process.execPath, ...nodeFlagsOf(app), entryOf(app)], {
    ...env,
    ...extra,
  });
}

/** `replicas` pinned processes of `app`, started together; resolves once all answer /ready. */
async function startReplicas(children, app, replicas, env, extra = {}) {
  return Promise.all(
    CORES.slice(0, replicas).map(async (core, n) => {
      const opsPort = await freePort();
      const name = `${app}-${n + 1}`;
      const child = startPinned(
        app,
        core,
        env,
        { ...extra, OPS_PORT: String(opsPort), OPS_HOST: '127.0.0.1' },
        name,
      );
      // Stopped by the platform's clean-up as well, should the bench stop before the run's own.
      children.push(child);
      await waitFor(
        async () => (await status(`http://127.0.0.1:${opsPort}/ready`)) === 200,
        `${name} ready`,
        60_000,
      );
      return child;
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Runs.

async function runControl(replicas) {
  const children = CORES.slice(0, replicas).map((core, n) => spawnLoop(core, `control-${n + 1}`));
  const outputs = children.map(
    (child) =>
      new Promise((resolve) => {
        let text = '';
        child.stdout.on('data', (chunk) => (text += chunk));
        child.once('exit', () => resolve(Number(text.trim()) || 0));
      }),
  );
  const began = performance.now();
  await sleep(SECONDS * 1000);
  for (const child of children) child.kill('SIGTERM');
  const loops = (await Promise.all(outputs)).reduce((sum, n) => sum + n, 0);
  return loops / ((performance.now() - began) / 1000);
}

function spawnLoop(core, name) {
  const { spawn } = require('node:child_process');
  const child = spawn(
    'taskset',
    ['-c', core, process.execPath, fileURLToPath(import.meta.url), '--control-loop'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child.once('error', (error) => console.error(`[${name}] could not start: ${error.message}`));
  return child;
}

/** Events waiting in the stream for a new project, then drained by `replicas` pinned replicas. */
async function runIngestion(platform, env, account, replicas) {
  const { gateway, clickhouse, sql, toSql } = platform;
  const { projectId, key } = await createProjectKey(gateway, account, `Scale ${replicas}`);
  const requests = Math.ceil(EVENTS / BATCH);
  const load = await runAutocannon(
    null,
    `${gateway}/v1/batch`,
    batchBody(BATCH),
    { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    { amount: requests, connections: 20, eventsPerRequest: BATCH },
  );
  const waiting = load.acceptedEvents;
  if (waiting < EVENTS * 0.99)
    fail(`the gateway accepted ${waiting} of ${EVENTS} events (${load.non2xx} non-2xx)`);

  const stored = async () => {
    const result = await clickhouse.query({
      query: toSql(sql`SELECT count() AS n FROM events WHERE project_id = ${projectId}`),
      format: 'JSONEachRow',
    });
    const [row] = await result.json();
    return Number(row.n);
  };
  const children = await startReplicas(platform.children, 'ingestion', replicas, env);
  try {
    // From the moment every replica is ready (or 10% are stored, if later) to 90% stored: neither a
    // replica that started first nor the last partial batch counts.
    const samples = [];
    const deadline = performance.now() + 10 * 60_000;
    for (;;) {
      const at = performance.now();
      const count = await stored();
      samples.push({ at, count });
      if (count >= waiting * 0.9) break;
      if (at > deadline) fail(`ingestion stored ${count} of ${waiting} events in 10 minutes`);
      await sleep(POLL_MS);
    }
    const high = samples[samples.length - 1];
    const low = samples.filter((sample) => sample.count < waiting * 0.1).pop() ?? samples[0];
    if (low === high) fail('the backlog drained between two samples: raise BENCH_SCALE_EVENTS');
    const rate = (high.count - low.count) / ((high.at - low.at) / 1000);
    // The rest drains before the replicas stop, so that the next run starts from an empty stream.
    await waitFor(
      async () => (await stored()) >= waiting,
      'the last events of the run in ClickHouse',
      120_000,
    );
    return { rate, projectId };
  } finally {
    for (const child of children) await stop(child);
  }
}

/** `analytics.query.summary` on the bus, CONCURRENCY in flight for SECONDS, answered by pinned replicas. */
async function runAnalytics(platform, env, bus, account, projectId, replicas) {
  // The per-project limit of concurrent queries is per process: lifted, or the ratio would be its.
  const children = await startReplicas(platform.children, 'analytics', replicas, env, {
    ANALYTICS_MAX_QUERIES_PER_PROJECT: String(CONCURRENCY),
  });
  try {
    const { AnalyticsSubjects } = fromDist('libs/contracts/src/index.js');
    const to = new Date();
    const request = {
      caller: { actor: { userId: account.userId, role: 'user', mfa: false } },
      projectId,
      from: new Date(to.getTime() - 86_400_000).toISOString(),
      to: to.toISOString(),
    };
    // Warm-up: the access grant cached, connections open, the JIT.
    for (let i = 0; i < 20; i++) await bus.client.send(AnalyticsSubjects.summary, request);
    let answered = 0;
    let refused = 0;
    const began = performance.now();
    const until = began + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          // Only answers count: a query past its time budget (422) or refused is not throughput.
          const ok = await bus.client.send(AnalyticsSubjects.summary, request).then(
            () => true,
            () => false,
          );
          if (ok) answered++;
          else refused++;
        }
      }),
    );
    if (refused > 0) console.log(`  analytics, ${replicas} replica(s): ${refused} queries refused (not counted)`);
    return answered / ((performance.now() - began) / 1000);
  } finally {
    for (const child of children) await stop(child);
  }
}

/** A bus client that signs its requests as the gateway does (the development signing key). */
async function busClient(env) {
  const { connect } = require('nats');
  const { BusClient, BusSigner } = fromDist('libs/messaging/src/index.js');
  const { DEVELOPMENT_BUS_SIGNING_KEY } = fromDist('libs/config/src/index.js');
  const connection = await connect({ servers: env.NATS_URL.split(','), name: 'bench-scale' });
  return {
    connection,
    client: new BusClient(connection, 10_000, new BusSigner(DEVELOPMENT_BUS_SIGNING_KEY, 'gateway')),
  };
}

// ---------------------------------------------------------------------------------------------------

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function report(results) {
  console.log(
    `\nSummary: medians of ${ROUNDS} round(s); ratio = two replicas / one (median of each round's ratio)`,
  );
  const control = median(results.control.map((round) => round[2] / round[1]));
  for (const [kind, unit] of [
    ['control', 'loops/s'],
    ['ingestion', 'events stored/s'],
    ['analytics', 'queries/s'],
  ]) {
    const one = median(results[kind].map((round) => round[1]));
    const two = median(results[kind].map((round) => round[2]));
    const ratio = median(results[kind].map((round) => round[2] / round[1]));
    // What the second replica added, as a share of what a second core added to the control.
    const share =
      control > 1 ? `   gain ${(((ratio - 1) / (control - 1)) * 100).toFixed(0)}% of the control's` : '';
    const efficiency = kind === 'control' ? '' : share;
    console.log(
      `  ${kind.padEnd(10)} 1 replica ${fmt(one).padStart(9)}   2 replicas ${fmt(two).padStart(9)} ${unit.padEnd(16)} ratio ${ratio.toFixed(2)}${efficiency}`,
    );
  }
  console.log(
    `  pinned: replicas on cores ${CORES.join(' and ')}; the load generator, the stores and the other services unpinned ` +
      `on the same ${os.cpus().length} cores: indicative figures`,
  );
}
