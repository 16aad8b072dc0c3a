#!/usr/bin/env node
// Event ingestion benchmark (`npm run bench:ingest`, which builds dist/ first). Prints figures and
// the targets of issue 5; asserts nothing.
//
// What it needs and what it starts:
//   - PostgreSQL, Redis and ClickHouse already answering (`npm run infra:up`, or `npm start`'s), and the
//     nats-server binary (deploy/local/infra.sh installs it). It uses the development PostgreSQL
//     database and Redis db (DATABASE_URL, REDIS_URL) and a ClickHouse database of its own,
//     `northstar_bench` (BENCH_CLICKHOUSE_DATABASE), dropped at the end.
//   - It starts, as child processes: a NATS server with JetStream of its own (free port, temporary
//     store, removed at the end: a running `npm start` platform on the shared NATS neither answers
//     its requests nor consumes its events), then from dist/ identity, tenancy and keys (to create a
//     key through the API), ingestion, the gateway, and the control server (this file, run with
//     --control-server): a bare Fastify route doing the same JetStream publish (the same
//     EventStreamPublisher: a request's envelopes in one message) without Nest, validation or
//     authentication.
//
// Steps:
//   1. Sign up, create an organisation, a project and a key with `events:write` through the gateway.
//   2. End-to-end delay, with ingestion running and otherwise idle: single events at a steady
//      BENCH_E2E_RATE per second for BENCH_E2E_SECONDS; each one's delay from the start of its POST to
//      its row being visible in ClickHouse (polled every 20 ms): p50 / p95.
//   3. Ingestion is stopped, so that the throughput runs measure the HTTP edge and JetStream (ingestion
//      runs on its own replicas in production): autocannon against
//        - POST /v1/events at a fixed offered rate of 2,000/s: req/s achieved, p50 / p99;
//        - POST /v1/events at saturation: req/s, p50 / p99; the same on the control;
//        - POST /v1/batch with 100 events at saturation: events/s; the same on the control;
//      and Northstar's throughput as a ratio of the control's.
//
// Environment: DATABASE_URL, REDIS_URL, CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD (the
// development defaults otherwise), BENCH_DURATION_SECONDS (10), BENCH_CONNECTIONS (100),
// BENCH_BATCH_CONNECTIONS (20), BENCH_FIXED_RATE (2000), BENCH_E2E_RATE (50), BENCH_E2E_SECONDS (10),
// NATS_SERVER (path of the nats-server binary), BENCH_DIST (a build other than dist/, e.g. one
// compiled to a private directory), BENCH_CPU_PROF_DIR (the gateway and the control write V8 CPU
// profiles there as they stop: gateway.cpuprofile, control.cpuprofile).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(ROOT, 'dist');
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR ? resolve(process.env.BENCH_CPU_PROF_DIR) : null;
const cpuProf = (name) =>
  CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR, '--cpu-prof-name', `${name}.cpuprofile`] : [];
// The gateway's node flags of deploy/build/run.mjs (NODE_FLAGS), so that the bench measures it as it runs.
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=64'];
const require = createRequire(import.meta.url);
const fromDist = (path) => require(join(DIST, path));

const CONTROL_PROJECT = 'bench-control';

if (process.argv[2] === '--control-server') {
  await controlServer();
} else {
  try {
    await main();
  } catch (error) {
    console.error(`bench:ingest failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// The control: what ingestion costs without the framework. Same publisher, same stream, same acks.

async function controlServer() {
  const Fastify = require('fastify');
  const { connect } = require('nats');
  const { EventStreamPublisher } = fromDist('libs/event-stream/src/index.js');
  const connection = await connect({ servers: process.env.NATS_URL.split(','), name: 'bench-control' });
  const publisher = await EventStreamPublisher.connect(connection);
  const app = Fastify({ bodyLimit: 1024 * 1024, logger: false });

  const envelopeOf = (event, receivedAt) => ({
    v: 1,
    eventId: randomUUID(),
    projectId: CONTROL_PROJECT,
    messageId: typeof event.messageId === 'string' ? event.messageId : randomUUID(),
    type: event.type ?? 'track',
    ...(typeof event.event === 'string' ? { event: event.event } : {}),
    ...(event.userId !== undefined ? { userId: String(event.userId) } : {}),
    ...(event.anonymousId !== undefined ? { anonymousId: String(event.anonymousId) } : {}),
    timestamp: receivedAt,
    receivedAt,
    context: {},
    properties: event.properties ?? {},
    traits: event.traits ?? {},
    raw: JSON.stringify(event),
  });
  const publish = async (events, reply) => {
    const receivedAt = new Date().toISOString();
    await publisher.publish(events.map((event) => envelopeOf(event, receivedAt)));
    return reply.code(202).send({ accepted: events.length, rejected: [] });
  };
  app.post('/v1/events', (request, reply) => publish([request.body], reply));
  app.post('/v1/batch', (request, reply) => publish(request.body.batch, reply));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  const stop = async () => {
    await app.close();
    await connection.drain();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const settings = {
    durationSeconds: Number(process.env.BENCH_DURATION_SECONDS ?? 10),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 100),
    batchConnections: Number(process.env.BENCH_BATCH_CONNECTIONS ?? 20),
    fixedRate: Number(process.env.BENCH_FIXED_RATE ?? 2000),
    e2eRate: Number(process.env.BENCH_E2E_RATE ?? 50),
    e2eSeconds: Number(process.env.BENCH_E2E_SECONDS ?? 10),
  };
  const env = {
    DATABASE_URL: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/northstar',
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379/0',
    CLICKHOUSE_URL: process.env.CLICKHOUSE_URL || 'http://127.0.0.1:8123',
    CLICKHOUSE_USER: process.env.CLICKHOUSE_USER || 'default',
    CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD ?? '',
    CLICKHOUSE_DATABASE: process.env.BENCH_CLICKHOUSE_DATABASE || 'northstar_bench',
  };

  // It is dropped at the end: never one that holds anything else.
  if (!env.CLICKHOUSE_DATABASE.includes('bench'))
    fail('BENCH_CLICKHOUSE_DATABASE must name a bench database');

  console.log(
    `Event ingestion benchmark: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
  );
  for (const app of ['identity', 'tenancy', 'keys', 'ingestion', 'gateway']) {
    if (!existsSync(entryOf(app))) fail(`dist/ has no build of ${app}: run \`npm run build\` first`);
  }
  const missing = [];
  if (!(await reachable(env.DATABASE_URL, 5432))) missing.push(`PostgreSQL (${env.DATABASE_URL})`);
  if (!(await reachable(env.REDIS_URL, 6379))) missing.push(`Redis (${env.REDIS_URL})`);
  if (!(await reachable(env.CLICKHOUSE_URL, 8123))) missing.push(`ClickHouse (${env.CLICKHOUSE_URL})`);
  if (missing.length > 0) fail(`${missing.join(', ')} not reachable: start them with \`npm run infra:up\``);

  const children = [];
  const natsDir = mkdtempSync(join(os.tmpdir(), 'northstar-bench-nats-'));
  const { createClickHouse, sql, toSql, identifier } = fromDist('libs/clickhouse/src/index.js');
  const clickhouse = createClickHouse({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
  });
  try {
    const natsPort = await freePort();
    children.push(startNats(natsPort, natsDir));
    await waitFor(() => reachable(`nats://127.0.0.1:${natsPort}`, 4222), 'the NATS server', 10_000);
    Object.assign(env, {
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
    });

    for (const app of ['identity', 'tenancy', 'keys', 'ingestion']) migrate(app, env);
    const gatewayPort = await freePort();
    const controlPort = await freePort();
    for (const app of ['identity', 'tenancy', 'keys']) children.push(startApp(app, env, { OPS_PORT: '0' }));
    const ingestion = startApp('ingestion', env, { OPS_PORT: '0' });
    children.push(ingestion);
    children.push(startApp('gateway', env, { PORT: String(gatewayPort), HOST: '127.0.0.1', OPS_PORT: '0' }));
    children.push(
      spawnLogged(
        'control',
        process.execPath,
        [...cpuProf('control'), fileURLToPath(import.meta.url), '--control-server'],
        {
          ...env,
          PORT: String(controlPort),
        },
      ),
    );
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    const control = `http://127.0.0.1:${controlPort}`;
    await waitFor(async () => (await status(`${gateway}/health`)) === 200, 'the gateway', 60_000);
    await waitFor(async () => (await status(`${control}/`)) !== 0, 'the control server', 30_000);

    // 1. A key, made the way a user makes one.
    const { projectId, key, orgId, accessToken } = await createKey(gateway);
    console.log(`\nProject ${projectId}, key ${key.slice(0, 12)}… (events:write)`);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };

    // 2. End-to-end delay.
    const delays = await endToEnd({ gateway, headers, projectId, clickhouse, sql, toSql, settings });
    await stop(ingestion);

    // 3. Throughput.
    const autocannon = require('autocannon');
    const single = JSON.stringify({
      type: 'track',
      event: 'Product Viewed',
      userId: 'bench-user',
      properties: { sku: 'SKU-123', price: 19.99, currency: 'EUR' },
      context: { library: { name: 'bench', version: '1.0.0' }, locale: 'en-US' },
    });
    const batch = JSON.stringify({ batch: Array.from({ length: 100 }, () => JSON.parse(single)) });
    const run = (name, target, body, options = {}) =>
      runAutocannon(autocannon, name, target, body, headers, {
        duration: settings.durationSeconds,
        ...options,
      });

    console.log(`\nThroughput (autocannon, ${settings.durationSeconds} s per run; ingestion stopped)`);
    // Warm-up: the JIT and the connection pools of both servers.
    await runAutocannon(autocannon, null, `${gateway}/v1/events`, single, headers, {
      duration: 3,
      connections: 20,
    });
    await runAutocannon(autocannon, null, `${control}/v1/events`, single, headers, {
      duration: 3,
      connections: 20,
    });
    const fixed = await run(
      `Northstar /v1/events at ${settings.fixedRate}/s offered`,
      `${gateway}/v1/events`,
      single,
      {
        connections: Math.min(settings.connections, 50),
        overallRate: settings.fixedRate,
      },
    );
    const northstarSingle = await run('Northstar /v1/events, saturation', `${gateway}/v1/events`, single, {
      connections: settings.connections,
    });
    const controlSingle = await run('control /v1/events, saturation', `${control}/v1/events`, single, {
      connections: settings.connections,
    });
    const northstarBatch = await run(
      'Northstar /v1/batch (100 events), saturation',
      `${gateway}/v1/batch`,
      batch,
      {
        connections: settings.batchConnections,
        eventsPerRequest: 100,
      },
    );
    const controlBatch = await run(
      'control /v1/batch (100 events), saturation',
      `${control}/v1/batch`,
      batch,
      {
        connections: settings.batchConnections,
        eventsPerRequest: 100,
      },
    );

    const ratio = (a, b) => (b > 0 ? a / b : 0);
    const singleRatio = ratio(northstarSingle.requestsPerSecond, controlSingle.requestsPerSecond);
    const batchRatio = ratio(northstarBatch.eventsPerSecond, controlBatch.eventsPerSecond);
    const verdict = (ok) => (ok ? 'met' : 'NOT met');
    console.log('\nSummary (targets of issue 5)');
    const line = (what, value, target, ok) =>
      console.log(`  ${what.padEnd(46)} ${value.padStart(16)}   target ${target.padEnd(10)} ${verdict(ok)}`);
    line(
      'single events/s at saturation',
      fmt(northstarSingle.requestsPerSecond),
      '>= 5,000',
      northstarSingle.requestsPerSecond >= 5000,
    );
    console.log(
      `  ${`single events at ${fmt(settings.fixedRate)}/s offered`.padEnd(46)} ` +
        `${fmt(fixed.requestsPerSecond)} req/s served, p50 ${fixed.p50} ms, p99 ${fixed.p99} ms`,
    );
    line(
      'batched events/s (batches of 100)',
      fmt(northstarBatch.eventsPerSecond),
      '>= 50,000',
      northstarBatch.eventsPerSecond >= 50_000,
    );
    line('ratio to the control, single events', singleRatio.toFixed(2), '>= 0.7', singleRatio >= 0.7);
    line('ratio to the control, batches', batchRatio.toFixed(2), '>= 0.7', batchRatio >= 0.7);
    if (delays) {
      line(
        'end-to-end delay p50 / p95 (POST → ClickHouse)',
        `${delays.p50} / ${delays.p95} ms`,
        'p95 <= 1 s',
        delays.p95 <= 1000,
      );
    }
    console.log("  note: the load generator, the servers and the stores share this machine's cores");

    // The bench's organisation goes (its project and key with it); the user account stays.
    await fetch(`${gateway}/v1/orgs/${orgId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${accessToken}` },
    }).catch(() => undefined);
  } finally {
    for (const child of children.reverse()) await stop(child);
    rmSync(natsDir, { recursive: true, force: true });
    await clickhouse
      .command({ query: toSql(sql`DROP DATABASE IF EXISTS ${identifier(env.CLICKHOUSE_DATABASE)}`) })
      .catch((error) => console.error(`could not drop ${env.CLICKHOUSE_DATABASE}: ${error.message}`));
    await clickhouse.close();
  }
}

/** Single events at a steady rate; each one's delay from its POST to its row in ClickHouse. */
async function endToEnd({ gateway, headers, projectId, clickhouse, sql, toSql, settings }) {
  const total = settings.e2eRate * settings.e2eSeconds;
  console.log(
    `\nEnd-to-end delay: ${total} single events at ${settings.e2eRate}/s, POST → visible in ClickHouse (polled every 20 ms)`,
  );
  const post = (messageId) =>
    fetch(`${gateway}/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'track', event: 'Bench E2E', userId: 'bench-e2e', messageId }),
    });
  const seenIds = async (ids) => {
    const result = await clickhouse.query({
      query: toSql(
        sql`SELECT message_id FROM events WHERE project_id = ${projectId} AND has(${ids}, message_id)`,
      ),
      format: 'JSONEachRow',
    });
    return (await result.json()).map((row) => row.message_id);
  };

  // A first event, to know that ingestion consumes before anything is timed.
  const probe = `probe-${randomUUID()}`;
  if ((await post(probe)).status !== 202) fail('the gateway did not accept the probe event');
  await waitFor(async () => (await seenIds([probe])).length === 1, 'the probe event in ClickHouse', 60_000);

  // message id → when its POST started; removed once the row is seen.
  const pending = new Map();
  const delays = [];
  let sending = true;
  let deadline = Infinity;
  const poller = (async () => {
    while ((sending || pending.size > 0) && performance.now() < deadline) {
      if (pending.size > 0) {
        const now = performance.now();
        for (const id of await seenIds([...pending.keys()])) {
          delays.push(now - pending.get(id));
          pending.delete(id);
        }
      }
      await sleep(20);
    }
  })();
  const started = performance.now();
  const posts = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / settings.e2eRate;
    await sleep(Math.max(0, due - performance.now()));
    const messageId = `e2e-${i}-${randomUUID()}`;
    pending.set(messageId, performance.now());
    posts.push(post(messageId).then((response) => response.status));
  }
  const statuses = await Promise.all(posts);
  deadline = performance.now() + 30_000;
  sending = false;
  await poller;
  const refused = statuses.filter((code) => code !== 202).length;
  if (delays.length === 0) {
    console.log('  no event became visible in ClickHouse');
    return null;
  }
  const p = percentiles(delays);
  console.log(
    `  p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms  max ${p.max} ms  ` +
      `(${delays.length} of ${total} seen${refused ? `, ${refused} not answered 202` : ''})`,
  );
  return p;
}

async function runAutocannon(autocannon, name, url, body, headers, options) {
  const { eventsPerRequest = 1, ...rest } = options;
  const result = await autocannon({ url, method: 'POST', headers, body, ...rest });
  const requestsPerSecond = result.requests.average;
  const summary = {
    requestsPerSecond,
    eventsPerSecond: requestsPerSecond * eventsPerRequest,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
  if (name) {
    const events = eventsPerRequest > 1 ? `  = ${fmt(summary.eventsPerSecond)} events/s` : '';
    console.log(
      `  ${name.padEnd(48)} ${fmt(requestsPerSecond).padStart(7)} req/s${events}  p50 ${summary.p50} ms  ` +
        `p99 ${summary.p99} ms  (${fmt(result.requests.total)} requests, ${result.non2xx} not 2xx, ${result.errors} errors)`,
    );
  }
  return summary;
}

/** Signs up, creates an organisation, a project and a key with events:write, over the public API. */
async function createKey(gateway) {
  const email = `bench-${randomUUID()}@bench.northstar.test`;
  const password = 'bench password 1234';
  const json = async (path, body, token) => {
    const response = await fetch(`${gateway}/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  };
  // The services may still be joining the bus when the gateway is up.
  let lastError = '';
  await waitFor(
    async () => {
      try {
        await json('/auth/register', { email, password, name: 'Bench' });
        return true;
      } catch (error) {
        if (/ 409:/.test(error.message)) return true;
        lastError = error.message;
        return false;
      }
    },
    () => `identity to register a user (last answer: ${lastError})`,
    60_000,
  );
  const { accessToken } = await json('/auth/login', { email, password });
  const org = await json('/orgs', { name: 'Bench' }, accessToken);
  const project = await json(`/orgs/${org.id}/projects`, { name: 'Bench', kind: 'hybrid' }, accessToken);
  const created = await json(
    `/projects/${project.id}/keys`,
    { name: 'bench', scopes: ['events:write'] },
    accessToken,
  );
  return { projectId: project.id, key: created.key, orgId: org.id, accessToken };
}

// ---------------------------------------------------------------------------------------------------

function entryOf(app) {
  return join(DIST, 'apps', app, 'src', 'main.js');
}

function migrate(app, env) {
  const result = spawnSync(process.execPath, [entryOf(app), 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  if (result.status !== 0) fail(`migrating ${app} failed`);
}

function startApp(app, env, extra) {
  const flags = app === 'gateway' ? [...GATEWAY_NODE_FLAGS, ...cpuProf(app)] : [];
  return spawnLogged(app, process.execPath, [...flags, entryOf(app)], { ...env, ...extra });
}

function startNats(port, dir) {
  const binary =
    process.env.NATS_SERVER ||
    [
      '/usr/sbin/nats-server',
      '/usr/local/sbin/nats-server',
      '/usr/bin/nats-server',
      '/usr/local/bin/nats-server',
    ].find((path) => existsSync(path)) ||
    'nats-server';
  return spawnLogged('nats', binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {});
}

function spawnLogged(name, command, args, env) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (chunk) => {
    // nats-server logs to stderr as a matter of course; the apps only warnings and errors.
    if (name !== 'nats') process.stderr.write(`[${name}] ${chunk}`);
  });
  child.once('error', (error) => console.error(`[${name}] could not start: ${error.message}`));
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function reachable(url, defaultPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolveReachable) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolveReachable(true);
    });
    socket.once('error', () => resolveReachable(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolveReachable(false);
    });
  });
}

async function status(url, method = 'GET', body) {
  try {
    const response = await fetch(url, {
      method,
      body,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function waitFor(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) fail(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(200);
  }
}

function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(sorted[sorted.length - 1]) };
}

function fmt(value) {
  return Math.round(value).toLocaleString('en');
}

function sleep(ms) {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

function fail(message) {
  throw new Error(message);
}
