#!/usr/bin/env node
// API-key verification benchmark (`npm run bench:keys`; needs `npm run build` first, which the npm
// script runs).
//
//   1. In process, no servers: the gateway's cache-hit path (KeyVerifier.cached, and the whole
//      ApiKeyAuthenticator.authenticate with header parsing) over >= 100k verifications of 10k keys,
//      each call timed on its own: p50 / p99 / max. Target: cache hit p99 <= 0.2 ms.
//   2. Over HTTP, when NATS, PostgreSQL and Redis answer (npm run infra:up): the keys service and a
//      gateway as child processes, one seeded key, autocannon against GET /v1/keys/self, a route that
//      only authenticates. The key has no rate limit, so this measures authentication, not 429s.
//   3. POST /v1/keys/verify (issue 19, RPC proxies), in the same gateway. Latency first, before any
//      load: requests one at a time over one keep-alive connection, each timed by the client (p50 /
//      p95 / p99) and by the gateway's own request histogram, for GET /health (the control: HTTP and
//      the gateway's hooks alone), a key without credits (the cache hit: no I/O) and a key with
//      credits (one Redis script per call). Target: verify p99 <= 2 ms at the gateway on a cache hit.
//      Then autocannon for throughput. BENCH_VERIFY_REQUESTS (5000) sets the sequential count.
//
// Environment: NATS_URL, DATABASE_URL, REDIS_URL (the development defaults otherwise),
// BENCH_ITERATIONS (200000), BENCH_CONNECTIONS (50), BENCH_DURATION_SECONDS (10),
// BENCH_SKIP_HTTP=1 to run part 1 only.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, reachable } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'dist');
const require = createRequire(import.meta.url);
const fromDist = (path) => require(join(DIST, path));

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const KEYS = 10_000;
const TARGET_P99_MS = 0.2;
const VERIFY_REQUESTS = Number(process.env.BENCH_VERIFY_REQUESTS ?? 5000);
const VERIFY_TARGET_P99_MS = 2;
const VERIFY_TOKEN = `bench-verify-${randomUUID()}`;

const env = {
  NATS_URL: process.env.NATS_URL || 'nats://127.0.0.1:4222',
  DATABASE_URL: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/northstar',
  REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379/0',
};

if (!existsSync(join(DIST, 'apps/gateway/src/api-keys/key-verifier.js'))) {
  console.error('dist/ has no build of the API-key code: run `npm run build` first');
  process.exit(1);
}

const { KeyVerifier } = fromDist('apps/gateway/src/api-keys/key-verifier.js');
const { ApiKeyAuthenticator } = fromDist('apps/gateway/src/api-keys/api-key.authenticator.js');
const { ApiKeysSettings } = fromDist('apps/gateway/src/api-keys/api-keys.settings.js');
const { generateApiKey } = fromDist('apps/keys/src/key/key-generator.js');
const { keyVerificationCacheKey } = fromDist('libs/contracts/src/index.js');

const ms = (ns) => (ns / 1e6).toFixed(4);

function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: sorted[sorted.length - 1],
    mean: total / sorted.length,
  };
}

function report(name, samples, wallNs) {
  const p = percentiles(samples);
  console.log(
    `  ${name.padEnd(44)} n=${samples.length}  p50 ${ms(p.p50)} ms  p99 ${ms(p.p99)} ms  ` +
      `p99.9 ${ms(p.p999)} ms  max ${ms(p.max)} ms  mean ${ms(p.mean)} ms  ` +
      `(${Math.round(samples.length / (wallNs / 1e9)).toLocaleString('en')} verifications/s)`,
  );
  return p;
}

async function inProcess() {
  console.log(
    `\n1. In-process cache hits (${KEYS.toLocaleString('en')} keys, ${ITERATIONS.toLocaleString('en')} verifications)`,
  );
  // Stand-ins for Redis and the bus: they only serve the first verification of each key (the fill);
  // the timed calls never reach them.
  const records = new Map();
  const redis = { get: async (cacheKey) => records.get(cacheKey) ?? null };
  const bus = { send: async () => ({ key: null }) };
  const limiter = { peek: async () => null, take: async () => null };
  const settings = new ApiKeysSettings();
  const verifier = new KeyVerifier(settings, redis, bus);
  const authenticator = new ApiKeyAuthenticator(verifier, limiter, settings);

  const keys = [];
  for (let i = 0; i < KEYS; i++) {
    const { key, hash } = generateApiKey('live');
    keys.push(key);
    const record = {
      keyId: randomUUID(),
      orgId: randomUUID(),
      projectId: randomUUID(),
      hash,
      scopes: ['events:write'],
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      rateLimit: { limit: 1000, windowSeconds: 60 },
      revoked: false,
      version: 1,
    };
    records.set(keyVerificationCacheKey(hash), JSON.stringify(record));
  }
  for (const key of keys) {
    if (!(await verifier.verify(key)).ok) throw new Error('a seeded key did not verify');
  }

  // Warm-up, so that the timings are of optimised code.
  for (let i = 0; i < 20_000; i++) verifier.cached(keys[i % KEYS]);

  const hits = new Float64Array(ITERATIONS);
  let misses = 0;
  let started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) {
    const before = process.hrtime.bigint();
    const outcome = verifier.cached(keys[i % KEYS]);
    hits[i] = Number(process.hrtime.bigint() - before);
    if (!outcome?.ok) misses++;
  }
  const verifierResult = report(
    'KeyVerifier.cached (sha256 + LRU + checks)',
    hits,
    Number(process.hrtime.bigint() - started),
  );

  const requests = keys.map((key) => ({ headers: { authorization: `Bearer ${key}` }, ip: '127.0.0.1' }));
  const whole = new Float64Array(ITERATIONS);
  started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) {
    const before = process.hrtime.bigint();
    await authenticator.authenticate(requests[i % KEYS]);
    whole[i] = Number(process.hrtime.bigint() - before);
  }
  report('ApiKeyAuthenticator.authenticate (+ headers)', whole, Number(process.hrtime.bigint() - started));

  if (misses > 0) console.log(`  warning: ${misses} lookups missed the cache`);
  const p99 = verifierResult.p99 / 1e6;
  console.log(
    `  target: cache hit p99 <= ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'NOT met'} (${p99.toFixed(4)} ms)`,
  );
}

function startApp(app, extraEnv) {
  const child = spawn(process.execPath, [join(DIST, 'apps', app, 'src', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function overHttp() {
  console.log(
    `\n2. Over HTTP: autocannon, ${CONNECTIONS} connections for ${DURATION_SECONDS} s, GET /v1/keys/self`,
  );
  const missing = [];
  if (!(await reachable(env.NATS_URL.split(',')[0], 4222))) missing.push(`NATS (${env.NATS_URL})`);
  if (!(await reachable(env.DATABASE_URL, 5432))) missing.push(`PostgreSQL (${env.DATABASE_URL})`);
  if (!(await reachable(env.REDIS_URL, 6379))) missing.push(`Redis (${env.REDIS_URL})`);
  if (missing.length > 0) {
    console.log(`  skipped: ${missing.join(', ')} not reachable (npm run infra:up)`);
    return;
  }

  const migrate = spawnSync(process.execPath, [join(DIST, 'apps/keys/src/main.js'), 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  if (migrate.status !== 0) throw new Error('migrating the keys schema failed');

  // One key in the keys service's own tables, for a project of its own; removed at the end.
  const { Client } = require('pg');
  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const seed = async (credits) => {
    const { key, hash, prefix } = generateApiKey('test');
    const keyId = randomUUID();
    await db.query(
      `insert into "keys"."api_keys" ("id", "org_id", "project_id", "name", "prefix", "scopes", "created_by", "credits_remaining")
       values ($1, $2, $3, 'bench', $4, array['events:write', 'rpc'], $5, $6)`,
      [keyId, randomUUID(), randomUUID(), prefix, randomUUID(), credits],
    );
    await db.query(
      `insert into "keys"."key_secrets" ("id", "key_id", "hash", "prefix") values ($1, $2, $3, $4)`,
      [randomUUID(), keyId, hash, prefix],
    );
    return { key, keyId };
  };
  const { key, keyId } = await seed(null);
  // Credits enough never to run out during the bench: every call spends one in Redis.
  const credited = await seed(1_000_000_000_000);

  const port = await freePort();
  const keysService = startApp('keys', { OPS_PORT: '0' });
  // Errors only: the warm-up below polls before the keys service has joined the bus.
  const gateway = startApp('gateway', {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    VERIFY_TOKENS: VERIFY_TOKEN,
  });
  try {
    const url = `http://127.0.0.1:${port}/v1/keys/self`;
    const headers = { authorization: `Bearer ${key}` };
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await fetch(url, { headers }).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`the gateway did not authenticate the key (last status ${status})`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 250));
    }

    const autocannon = require('autocannon');
    const run = async (name, target, runHeaders) => {
      const result = await autocannon({
        url: target,
        headers: runHeaders,
        connections: CONNECTIONS,
        duration: DURATION_SECONDS,
      });
      console.log(
        `  ${name.padEnd(44)} ${Math.round(result.requests.average).toLocaleString('en')} req/s  ` +
          `latency p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  max ${result.latency.max} ms  ` +
          `(${result.requests.total.toLocaleString('en')} requests, ${result.non2xx} not 2xx, ${result.errors} errors)`,
      );
    };
    // Latency one request at a time first, on a platform at rest: after the autocannon runs the
    // services still digest their usage records for a while, and that work would be in the tail.
    await verifyLatency(port, key, credited.key);

    // The same gateway without authentication, for scale: the difference is what the key costs.
    await run('GET /health (no authentication, baseline)', `http://127.0.0.1:${port}/health`, {});
    await run('GET /v1/keys/self (API key, cache hit)', url, headers);
    console.log("  note: load generator and gateway share the machine's cores");

    await verifyThroughput(port, run, key, credited.key);
  } finally {
    await stop(gateway);
    await stop(keysService);
    await db.query(`delete from "keys"."api_keys" where "id" = any($1)`, [[keyId, credited.keyId]]);
    await db.end();
  }
}

/** Requests one at a time over one keep-alive connection; each timed from write to the last byte. */
async function sequential(port, path, method, headers, body, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise((resolveRequest, rejectRequest) => {
      const request = http.request({ host: '127.0.0.1', port, path, method, headers, agent }, (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200
            ? resolveRequest()
            : rejectRequest(new Error(`${path}: ${response.statusCode}`)),
        );
      });
      request.on('error', rejectRequest);
      request.end(body);
    });
  for (let i = 0; i < 500; i++) await once();
  const samples = new Float64Array(count);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const before = process.hrtime.bigint();
    await once();
    samples[i] = Number(process.hrtime.bigint() - before);
  }
  const wallNs = Number(process.hrtime.bigint() - started);
  agent.destroy();
  return { samples, wallNs };
}

const verifyHeaders = { authorization: `Bearer ${VERIFY_TOKEN}`, 'content-type': 'application/json' };
const verifyBody = (presented) =>
  JSON.stringify({ key: presented, chain: 'ethereum', method: 'eth_call', ip: '203.0.113.7' });

async function verifyLatency(port, key, creditedKey) {
  console.log(
    `\n  POST /v1/keys/verify latency: ${VERIFY_REQUESTS.toLocaleString('en')} sequential requests each (one connection), before any load`,
  );
  const headers = verifyHeaders;
  const body = verifyBody;
  const row = (name, { samples, wallNs }) => {
    const sorted = Float64Array.from(samples).sort();
    const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    console.log(
      `  ${name.padEnd(44)} p50 ${ms(at(0.5))} ms  p95 ${ms(at(0.95))} ms  p99 ${ms(at(0.99))} ms  ` +
        `max ${ms(sorted[sorted.length - 1])} ms  (${Math.round(samples.length / (wallNs / 1e9)).toLocaleString('en')} req/s on one connection)`,
    );
    return at(0.99) / 1e6;
  };
  // Each run measured twice: by this client (write to last byte, so it includes the loopback, both
  // processes' scheduling and this process's own GC) and by the gateway's own request histogram
  // (receipt to reply), the "at the gateway" of the target.
  const measured = async (name, method, path, runHeaders, runBody) => {
    const before = await gatewayHistogram(port, method, path);
    const client = row(name, await sequential(port, path, method, runHeaders, runBody, VERIFY_REQUESTS));
    const gateway = histogramRow(name, before, await gatewayHistogram(port, method, path));
    return { client, gateway };
  };
  const control = await measured('GET /health (control)', 'GET', '/health', {}, undefined);
  const hitRun = await measured(
    'POST /v1/keys/verify (cache hit)',
    'POST',
    '/v1/keys/verify',
    headers,
    body(key),
  );
  await measured(
    'POST /v1/keys/verify (cache hit + credits)',
    'POST',
    '/v1/keys/verify',
    headers,
    body(creditedKey),
  );
  const hit = hitRun.gateway;
  console.log(
    `  load average now: ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} (${os.cpus().length} cores)`,
  );
  console.log(
    `  target: verify p99 <= ${VERIFY_TARGET_P99_MS} ms at the gateway on a cache hit: ` +
      `${hit.withinTarget >= 0.99 ? 'met' : 'NOT met'} (${pct(hit.withinTarget)} within ${VERIFY_TARGET_P99_MS} ms; ` +
      `client-side p99 ${hitRun.client.toFixed(3)} ms beside the control's ${control.client.toFixed(3)} ms)`,
  );
}

const pct = (share) => `${(share * 100).toFixed(2)}%`;

/** The gateway's cumulative request-time buckets (seconds -> count) for one route, from its /metrics. */
async function gatewayHistogram(port, method, route) {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text());
  const buckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('northstar_http_requests_seconds_bucket{')) continue;
    if (
      !line.includes(`method="${method}"`) ||
      !line.includes(`route="${route}"`) ||
      !line.includes('status="200"')
    )
      continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    buckets.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/** Prints what the gateway timed between two histogram readings: the share within each bound. */
function histogramRow(name, before, after) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const count = (bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
  const total = count(Infinity);
  const share = (bound) => (total === 0 ? 0 : count(bound) / total);
  const p99Bound = bounds.find((bound) => share(bound) >= 0.99);
  const shown = [0.0005, 0.001, 0.002, 0.005].map((bound) => `<= ${bound * 1000} ms ${pct(share(bound))}`);
  console.log(
    `  ${'  at the gateway (its histogram)'.padEnd(44)} ${shown.join('  ')}  p99 <= ${p99Bound === Infinity ? 'inf' : (p99Bound ?? 0) * 1000} ms  (${total} requests, the warm-up included)`,
  );
  return { withinTarget: share(VERIFY_TARGET_P99_MS / 1000), p99Bound };
}

async function verifyThroughput(port, run, key, creditedKey) {
  console.log(
    `\n3. POST /v1/keys/verify under load: autocannon, ${CONNECTIONS} connections for ${DURATION_SECONDS} s each`,
  );
  const headers = verifyHeaders;
  const body = verifyBody;
  const verifyUrl = `http://127.0.0.1:${port}/v1/keys/verify`;
  const cannon = async (name, presented) => {
    const autocannon = require('autocannon');
    const result = await autocannon({
      url: verifyUrl,
      method: 'POST',
      headers,
      body: body(presented),
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
    });
    console.log(
      `  ${name.padEnd(44)} ${Math.round(result.requests.average).toLocaleString('en')} req/s  ` +
        `latency p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  max ${result.latency.max} ms  ` +
        `(${result.requests.total.toLocaleString('en')} requests, ${result.non2xx} not 2xx, ${result.errors} errors)`,
    );
  };
  await run('GET /health (control)', `http://127.0.0.1:${port}/health`, {});
  await run('GET /v1/keys/self (key route, same window)', `http://127.0.0.1:${port}/v1/keys/self`, {
    authorization: `Bearer ${key}`,
  });
  await cannon('POST /v1/keys/verify (cache hit)', key);
  await cannon('POST /v1/keys/verify (cache hit + credits)', creditedKey);
}

console.log(
  `API-key verification benchmark: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
);
await inProcess();
if (process.env.BENCH_SKIP_HTTP !== '1') await overHttp();
