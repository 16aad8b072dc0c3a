// Helpers shared by the benchmarks of deploy/bench/ (ingest.mjs, pipeline.mjs, analytics-big.mjs): the
// environment, the private NATS server and the platform's services started from dist/ (with npm start's
// Node flags), a key made through the API, autocannon runs that count only 2xx answers as throughput,
// and small utilities. Importing it starts nothing.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlagsOf } from '../build/node-flags.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(ROOT, 'dist');
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR ? resolve(process.env.BENCH_CPU_PROF_DIR) : null;
const CHILD_LOG_DIR = process.env.BENCH_CHILD_LOG_DIR ? resolve(process.env.BENCH_CHILD_LOG_DIR) : null;
export const require = createRequire(import.meta.url);
export const fromDist = (path) => require(join(DIST, path));

/** With BENCH_CPU_PROF_DIR, the flags that make a process write `<name>.cpuprofile` there as it stops. */
export const cpuProf = (name) =>
  CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR, '--cpu-prof-name', `${name}.cpuprofile`] : [];

/** The gateway's Node flags under npm start (deploy/build/node-flags.mjs); the controls run with them too. */
export const GATEWAY_NODE_FLAGS = nodeFlagsOf('gateway');
export const INGESTION_NODE_FLAGS = nodeFlagsOf('ingestion');

/** The services a bench starts from dist/, in migration order. */
const PLATFORM_APPS = ['identity', 'tenancy', 'keys', 'ingestion', 'gateway'];
/** Services a bench may ask for on top (withPlatform's `apps`), migrated after ingestion in this order. */
const OPTIONAL_APPS = ['analytics'];

/** A Segment-style track event, the body of the single-event runs. */
export const SAMPLE_EVENT = {
  type: 'track',
  event: 'Product Viewed',
  userId: 'bench-user',
  properties: { sku: 'SKU-123', price: 19.99, currency: 'EUR' },
  context: { library: { name: 'bench', version: '1.0.0' }, locale: 'en-US' },
};
export const singleBody = () => JSON.stringify(SAMPLE_EVENT);
export const batchBody = (size) =>
  JSON.stringify({ batch: Array.from({ length: size }, () => SAMPLE_EVENT) });

/**
 * The envelope a bare control makes of an SDK event: the fields Northstar's intake fills, without its
 * validation, normalisation or enrichment (fresh ids, the receive time as the event's time).
 */
export function bareEnvelope(event, projectId, receivedAt) {
  return {
    v: 1,
    eventId: randomUUID(),
    projectId,
    messageId: typeof event.messageId === 'string' ? event.messageId : randomUUID(),
    type: event.type ?? 'track',
    ...(typeof event.event === 'string' ? { event: event.event } : {}),
    ...(event.userId !== undefined ? { userId: String(event.userId) } : {}),
    ...(event.anonymousId !== undefined ? { anonymousId: String(event.anonymousId) } : {}),
    timestamp: receivedAt,
    receivedAt,
    context: event.context ?? {},
    properties: event.properties ?? {},
    traits: event.traits ?? {},
    raw: JSON.stringify(event),
  };
}

/** The load settings the HTTP benches share; `durationSeconds` defaults to `defaultDuration`. */
export function loadSettings(defaultDuration) {
  return {
    durationSeconds: Number(process.env.BENCH_DURATION_SECONDS ?? defaultDuration),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 100),
    batchConnections: Number(process.env.BENCH_BATCH_CONNECTIONS ?? 20),
  };
}

/**
 * The settings of the bench's services: the development databases, and a ClickHouse database of the
 * bench's own (BENCH_CLICKHOUSE_DATABASE, `defaultDatabase`), dropped at the end.
 */
export function benchEnv(defaultDatabase = 'northstar_bench') {
  const env = {
    DATABASE_URL: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/northstar',
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379/0',
    CLICKHOUSE_URL: process.env.CLICKHOUSE_URL || 'http://127.0.0.1:8123',
    CLICKHOUSE_USER: process.env.CLICKHOUSE_USER || 'default',
    CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD ?? '',
    CLICKHOUSE_DATABASE: process.env.BENCH_CLICKHOUSE_DATABASE || defaultDatabase,
  };
  // It is dropped at the end: never one that holds anything else.
  if (!env.CLICKHOUSE_DATABASE.includes('bench'))
    fail('BENCH_CLICKHOUSE_DATABASE must name a bench database');
  return env;
}

/**
 * Checks the build and the stores, starts a NATS server of the bench's own (free port, temporary
 * store) and the platform (identity, tenancy, keys, ingestion, gateway, migrated first), runs `body`,
 * then stops every child (those `body` adds to `children` as well), removes the NATS store and drops
 * the bench's ClickHouse database, whatever happened (on SIGINT / SIGTERM as well).
 *
 * `options.apps`: more services to run with it (of OPTIONAL_APPS: `['analytics']`), migrated after
 * ingestion and started before the gateway; `body` finds their processes in `apps` by name.
 */
export async function withPlatform(env, body, options = {}) {
  const extraApps = options.apps ?? [];
  for (const app of extraApps) {
    if (!OPTIONAL_APPS.includes(app))
      fail(`withPlatform cannot start ${app} (only ${OPTIONAL_APPS.join(', ')})`);
  }
  const migrated = [...PLATFORM_APPS.filter((name) => name !== 'gateway'), ...extraApps];
  for (const app of [...PLATFORM_APPS, ...extraApps]) {
    if (!existsSync(entryOf(app))) fail(`dist/ has no build of ${app}: run \`npm run build\` first`);
  }
  const missing = [];
  if (!(await reachable(env.DATABASE_URL, 5432))) missing.push(`PostgreSQL (${env.DATABASE_URL})`);
  if (!(await reachable(env.REDIS_URL, 6379))) missing.push(`Redis (${env.REDIS_URL})`);
  if (!(await reachable(env.CLICKHOUSE_URL, 8123))) missing.push(`ClickHouse (${env.CLICKHOUSE_URL})`);
  if (missing.length > 0) fail(`${missing.join(', ')} not reachable: start them with \`npm run infra:up\``);

  if (CHILD_LOG_DIR) mkdirSync(CHILD_LOG_DIR, { recursive: true });
  const children = [];
  const natsDir = mkdtempSync(join(os.tmpdir(), 'northstar-bench-nats-'));
  const { createClickHouse, sql, toSql, identifier } = fromDist('libs/clickhouse/src/index.js');
  const clickhouse = createClickHouse({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
  });
  const cleanUp = async () => {
    for (const child of [...children].reverse()) await stop(child);
    rmSync(natsDir, { recursive: true, force: true });
    await clickhouse
      .command({ query: toSql(sql`DROP DATABASE IF EXISTS ${identifier(env.CLICKHOUSE_DATABASE)}`) })
      .catch((error) => console.error(`could not drop ${env.CLICKHOUSE_DATABASE}: ${error.message}`));
    await clickhouse.close();
  };
  // Ctrl-C or a SIGTERM: the same clean-up, then out.
  const interrupted = (signal) => {
    console.error(`\n${signal}: stopping the bench's processes`);
    // At most 30 s: a clean-up that hangs must not keep the bench alive.
    setTimeout(() => process.exit(130), 30_000).unref();
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const natsPort = await freePort();
    children.push(startNats(natsPort, natsDir));
    await waitFor(() => reachable(`nats://127.0.0.1:${natsPort}`, 4222), 'the NATS server', 10_000);
    Object.assign(env, {
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      NODE_ENV: 'development',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
    });

    for (const app of migrated) migrate(app, env);
    const gatewayPort = await freePort();
    for (const app of ['identity', 'tenancy', 'keys']) children.push(startApp(app, env, { OPS_PORT: '0' }));
    const ingestion = startApp('ingestion', env, { OPS_PORT: '0' });
    children.push(ingestion);
    const apps = { ingestion };
    for (const app of extraApps) {
      apps[app] = startApp(app, env, { OPS_PORT: '0' });
      children.push(apps[app]);
    }
    children.push(startApp('gateway', env, { PORT: String(gatewayPort), HOST: '127.0.0.1', OPS_PORT: '0' }));
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    await waitFor(async () => (await status(`${gateway}/health`)) === 200, 'the gateway', 60_000);
    return await body({ gateway, ingestion, apps, children, clickhouse, sql, toSql, identifier });
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

// ---------------------------------------------------------------------------------------------------
// The API, as a user calls it.

/** Signs up a user and creates an organisation, over the public API. */
export async function createAccount(gateway) {
  const email = `bench-${randomUUID()}@bench.northstar.test`;
  const password = 'bench password 1234';
  // The services may still be joining the bus when the gateway is up.
  let lastError = '';
  await waitFor(
    async () => {
      try {
        await postJson(gateway, '/auth/register', { email, password, name: 'Bench' });
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
  const { accessToken } = await postJson(gateway, '/auth/login', { email, password });
  const org = await postJson(gateway, '/orgs', { name: 'Bench' }, accessToken);
  return { accessToken, orgId: org.id };
}

/** A project of the account's organisation and a key of it with `scopes` (default: `events:write`). */
export async function createProjectKey(gateway, account, name = 'Bench', scopes = ['events:write']) {
  const { accessToken, orgId } = account;
  const project = await postJson(gateway, `/orgs/${orgId}/projects`, { name, kind: 'hybrid' }, accessToken);
  const created = await postJson(
    gateway,
    `/projects/${project.id}/keys`,
    { name: 'bench', scopes },
    accessToken,
  );
  return { projectId: project.id, key: created.key };
}

/** Signs up, creates an organisation, a project and a key with events:write. */
export async function createKey(gateway) {
  const account = await createAccount(gateway);
  return { ...account, ...(await createProjectKey(gateway, account)) };
}

/** The bench's organisation goes (its projects and keys with it); the user account stays. */
export async function deleteOrganisation(gateway, account) {
  await fetch(`${gateway}/v1/orgs/${account.orgId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${account.accessToken}` },
  }).catch(() => undefined);
}

async function postJson(gateway, path, body, token) {
  const response = await fetch(`${gateway}/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

// ---------------------------------------------------------------------------------------------------
// Load.

/**
 * One autocannon run. Only 2xx answers count as throughput: `requestsPerSecond` and `eventsPerSecond`
 * are 2xx answers (× events per request) over the run's duration; non-2xx answers and errors are
 * counted apart. With `name`, prints a line.
 */
export async function runAutocannon(name, url, body, headers, options) {
  const autocannon = require('autocannon');
  const { eventsPerRequest = 1, ...rest } = options;
  const result = await autocannon({ url, method: 'POST', headers, body, ...rest });
  const seconds = result.duration > 0 ? result.duration : (rest.duration ?? 1);
  const ok = result['2xx'];
  const summary = {
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    acceptedEvents: ok * eventsPerRequest,
    requestsPerSecond: ok / seconds,
    eventsPerSecond: (ok * eventsPerRequest) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
  if (name) {
    const events = eventsPerRequest > 1 ? `  = ${fmt(summary.eventsPerSecond)} events/s` : '';
    console.log(
      `  ${name.padEnd(48)} ${fmt(summary.requestsPerSecond).padStart(7)} 2xx/s${events}  p50 ${summary.p50} ms  ` +
        `p99 ${summary.p99} ms  (${fmt(ok)} answered 2xx; not counted: ${fmt(result.non2xx)} non-2xx, ` +
        `${fmt(result.errors)} errors)`,
    );
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------------
// Processes.

export function entryOf(app) {
  return join(DIST, 'apps', app, 'src', 'main.js');
}

export function migrate(app, env) {
  const result = spawnSync(process.execPath, [entryOf(app), 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  if (result.status !== 0) fail(`migrating ${app} failed`);
}

/** An app from dist/ with the Node flags npm start gives it (and a CPU profile of the gateway on request). */
export function startApp(app, env, extra, name = app) {
  const flags = [...nodeFlagsOf(app), ...(app === 'gateway' ? cpuProf(app) : [])];
  return spawnLogged(name, process.execPath, [...flags, entryOf(app)], { ...env, ...extra });
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

/**
 * A child process whose stderr is printed with its name (but nats-server's, which logs there as a
 * matter of course); with BENCH_CHILD_LOG_DIR, its whole output goes to <dir>/<name>.log as well.
 */
export function spawnLogged(name, command, args, env) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', CHILD_LOG_DIR ? 'pipe' : 'ignore', 'pipe'],
  });
  const file = CHILD_LOG_DIR ? createWriteStream(join(CHILD_LOG_DIR, `${name}.log`), { flags: 'a' }) : null;
  child.stdout?.on('data', (chunk) => file?.write(chunk));
  child.stderr.on('data', (chunk) => {
    file?.write(chunk);
    if (name !== 'nats') process.stderr.write(`[${name}] ${chunk}`);
  });
  child.once('error', (error) => console.error(`[${name}] could not start: ${error.message}`));
  child.once('exit', (code, signal) => {
    if (!child.stopping)
      console.error(`[${name}] exited by itself (${signal ? `signal ${signal}` : `code ${code}`})`);
  });
  return child;
}

export async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.stopping = true;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export function reachable(url, defaultPort) {
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

export async function status(url, method = 'GET', body) {
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

export async function waitFor(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) fail(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------------
// Figures.

export function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(sorted[sorted.length - 1]) };
}

export function fmt(value) {
  return Math.round(value).toLocaleString('en');
}

export function sleep(ms) {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

export function fail(message) {
  throw new Error(message);
}
