#!/usr/bin/env node
// Event ingestion benchmark (`npm run bench:ingest`, which builds dist/ first). Prints figures and
// the targets of issue 5; asserts nothing.
//
// What it needs and what it starts:
//   - PostgreSQL, Redis and ClickHouse already answering (`npm run infra:up`, or `npm start`'s), and the
//     nats-server binary (deploy/local/infra.sh installs it). It uses the development PostgreSQL
//     database and Redis db (DATABASE_URL, REDIS_URL) and a ClickHouse database of its own,
//     `northstar_bench` (BENCH_CLICKHOUSE_DATABASE), dropped at the end.
//   - It starts (with deploy/bench/lib.mjs, shared with pipeline.mjs), as child processes: a NATS
//     server with JetStream of its own (free port, temporary store, removed at the end: a running
//     `npm start` platform on the shared NATS neither answers its requests nor consumes its events),
//     then from dist/ identity, tenancy and keys (to create a key through the API), ingestion, the
//     gateway, and the control server (this file, run with --control-server): a bare Fastify route
//     doing the same JetStream publish (the same EventStreamPublisher: a request's envelopes in one
//     message) without Nest, validation or authentication.
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
//      and Northstar's throughput as a ratio of the control's. Only 2xx answers count as throughput
//      (req/s and events/s are 2xx answers over the run's duration); non-2xx answers and connection
//      errors are printed apart. The control runs with the gateway's Node flags.
//
// Environment: DATABASE_URL, REDIS_URL, CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD (the
// development defaults otherwise), BENCH_DURATION_SECONDS (10), BENCH_CONNECTIONS (100),
// BENCH_BATCH_CONNECTIONS (20), BENCH_FIXED_RATE (2000), BENCH_E2E_RATE (50), BENCH_E2E_SECONDS (10),
// NATS_SERVER (path of the nats-server binary), BENCH_DIST (a build other than dist/, e.g. one
// compiled to a private directory), BENCH_CPU_PROF_DIR (the gateway and the control write V8 CPU
// profiles there as they stop: gateway.cpuprofile, control.cpuprofile), BENCH_LOG_LEVEL (the services'
// LOG_LEVEL, warn), BENCH_CHILD_LOG_DIR (each child's whole output to <dir>/<name>.log).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  bareEnvelope,
  batchBody,
  benchEnv,
  cpuProf,
  createKey,
  deleteOrganisation,
  fail,
  fmt,
  freePort,
  fromDist,
  GATEWAY_NODE_FLAGS,
  loadSettings,
  percentiles,
  require,
  runAutocannon,
  singleBody,
  sleep,
  spawnLogged,
  status,
  stop,
  waitFor,
  withPlatform,
} from './lib.mjs';

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

  const publish = async (events, reply) => {
    const receivedAt = new Date().toISOString();
    await publisher.publish(events.map((event) => bareEnvelope(event, CONTROL_PROJECT, receivedAt)));
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
    ...loadSettings(10),
    fixedRate: Number(process.env.BENCH_FIXED_RATE ?? 2000),
    e2eRate: Number(process.env.BENCH_E2E_RATE ?? 50),
    e2eSeconds: Number(process.env.BENCH_E2E_SECONDS ?? 10),
  };
  const env = benchEnv();
  console.log(
    `Event ingestion benchmark: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
  );
  await withPlatform(env, async ({ gateway, ingestion, children, clickhouse, sql, toSql }) => {
    const controlPort = await freePort();
    children.push(
      spawnLogged(
        'control',
        process.execPath,
        [...GATEWAY_NODE_FLAGS, ...cpuProf('control'), fileURLToPath(import.meta.url), '--control-server'],
        { ...env, PORT: String(controlPort) },
      ),
    );
    const control = `http://127.0.0.1:${controlPort}`;
    await waitFor(async () => (await status(`${control}/`)) !== 0, 'the control server', 30_000);

    // 1. A key, made the way a user makes one.
    const { projectId, key, ...account } = await createKey(gateway);
    console.log(`\nProject ${projectId}, key ${key.slice(0, 12)}… (events:write)`);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };

    // 2. End-to-end delay.
    const delays = await endToEnd({ gateway, headers, projectId, clickhouse, sql, toSql, settings });
    await stop(ingestion);

    // 3. Throughput.
    const single = singleBody();
    const batch = batchBody(100);
    const run = (name, target, body, options = {}) =>
      runAutocannon(name, target, body, headers, {
        duration: settings.durationSeconds,
        ...options,
      });

    console.log(`\nThroughput (autocannon, ${settings.durationSeconds} s per run; ingestion stopped)`);
    // Warm-up: the JIT and the connection pools of both servers.
    await runAutocannon(null, `${gateway}/v1/events`, single, headers, {
      duration: 3,
      connections: 20,
    });
    await runAutocannon(null, `${control}/v1/events`, single, headers, {
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

    await deleteOrganisation(gateway, account);
  });
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
