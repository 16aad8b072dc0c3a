#!/usr/bin/env node
// Whole-pipeline benchmark (`npm run bench:pipeline`, which builds dist/ first): POST → JetStream →
// ingestion → ClickHouse, against a bare control pipeline. Prints figures and the targets of issue 12;
// asserts nothing. Exits non-zero only when the bench itself broke: a run whose events were not all
// stored (no progress for BENCH_STALL_SECONDS, or past BENCH_DRAIN_TIMEOUT_SECONDS) is reported as a
// STALL (with what remained) rather than waited on forever, and the bench goes on with the consumers
// restarted; the exit code is then 1.
//
// What it needs and what it starts:
//   - PostgreSQL, Redis and ClickHouse already answering (`npm run infra:up`, or `npm start`'s), and the
//     nats-server binary. It uses the development PostgreSQL database and Redis db (DATABASE_URL,
//     REDIS_URL) and a ClickHouse database of its own, `northstar_bench_pipeline_<run id>`
//     (BENCH_CLICKHOUSE_DATABASE), dropped at the end (also on Ctrl-C).
//   - With deploy/bench/lib.mjs (shared with ingest.mjs), as child processes: a NATS server with
//     JetStream of its own (free port, temporary store), then from dist/, migrated first and with the
//     Node flags npm start gives them (deploy/build/node-flags.mjs), identity, tenancy, keys,
//     ingestion and the gateway: Northstar's pipeline, ingestion's durable consumer `ingestion` on
//     EVENTS (`events.>`) writing to `events`.
//   - The control pipeline, this file run twice more, no Nest, no validation, no authentication:
//       --control-gateway: a bare Fastify route (the gateway's Node flags) that makes each request's
//         events into envelopes (lib.mjs bareEnvelope; the project from the x-bench-project header)
//         and publishes them as one message, as Northstar does, to stream BENCH_CONTROL
//         (`bench_control.>`, the EVENTS configuration of @northstar/event-stream under another name,
//         so ingestion never reads it), with a Nats-Msg-Id, and answers 202 once JetStream acked;
//       --control-consumer: a plain `nats` pull consumer (ingestion's Node flags; durable
//         `bench-control`, ingestion's ack wait and max ack pending, `consume({ max_messages: 200 })`:
//         pulls counted in messages, few enough that batches stay under the server's max_pending) that parses each
//         message, makes each envelope a row of the same columns as `events` with ingestion's
//         toEventRow (no user-agent, country or session enrichment: those columns stay empty),
//         inserts them as JSONEachRow into `control_events` (CREATE TABLE … AS events: the same
//         columns and engine) in batches of up to 5,000 rows or every 500 ms (ingestion's defaults),
//         and acks each message after its insert, keeping held messages alive with working().
//
// Steps:
//   1. An organisation through the gateway; a project and key (events:write) per Northstar run, and
//      one for the latency probe. Warm-up: 3 s of single events on both pipelines, drained.
//   2. BENCH_ROUNDS rounds; in each, single events (POST /v1/events, BENCH_CONNECTIONS) then batches of
//      100 (POST /v1/batch, BENCH_BATCH_CONNECTIONS), each on Northstar and on the control in turn
//      (which goes first alternates by round), then Northstar's batches again with BENCH_REPLICAS
//      ingestion processes. A run: autocannon at saturation for BENCH_DURATION_SECONDS, then the
//      drain: until every event answered 2xx is in ClickHouse (count() of the run's project) and the
//      consumer's backlog is empty. A STALL when neither moves for BENCH_STALL_SECONDS or the drain
//      passes BENCH_DRAIN_TIMEOUT_SECONDS: the consumer processes are then stopped, the messages left
//      in the stream purged, and the consumers started again for the next run. Figures:
//        - accepted/s: 2xx answers × events per request / load time (non-2xx printed apart);
//        - stored/s: events stored (uniqExact(event_id) of the run's project) / (load + drain time);
//        - drain time, and the largest backlog (num_pending + num_ack_pending of the consumer,
//          in messages: a batch is one message) sampled every 250 ms during load and drain;
//        - POST → visible p50 / p95: during the load a probe POSTs BENCH_PROBE_RATE single events a
//          second with unique messageIds to a project of its own and polls ClickHouse every 50 ms
//          (the probe shares the load generator's event loop: add a few ms);
//        - consumer CPU per event: utime + stime of the consumer processes (/proc/<pid>/stat, in
//          clock ticks of `getconf CLK_TCK`) over load and drain, in µs per event written (the run's
//          and the probe's).
//   3. At 80% of the saturating rate: Northstar's single events, then batches, at 0.8 × the median
//      stored events/s of step 2 (the pipeline's saturating rate), as requests/s (autocannon
//      overallRate): the drain time from the load's end to an empty backlog.
//   4. A table of the medians per figure (ratios: the median of each round's ratio), the targets next
//      to them, the stored/s with 1 and with BENCH_REPLICAS ingestion replicas, and the machine's load
//      average at start and end.
//
// Environment: DATABASE_URL, REDIS_URL, CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD (the
// development defaults otherwise), BENCH_DURATION_SECONDS (30), BENCH_ROUNDS (3), BENCH_CONNECTIONS
// (100), BENCH_BATCH_CONNECTIONS (20), BENCH_DRAIN_TIMEOUT_SECONDS (120), BENCH_STALL_SECONDS (30),
// BENCH_PROBE_RATE (10),
// BENCH_REPLICAS (2; 1 skips the replica runs), BENCH_CLICKHOUSE_DATABASE (northstar_bench_pipeline_<id>),
// NATS_SERVER (path of the nats-server binary), BENCH_DIST (a build other than dist/), BENCH_LOG_LEVEL
// (the services' LOG_LEVEL, warn), BENCH_CHILD_LOG_DIR (each child's whole output to <dir>/<name>.log).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  bareEnvelope,
  batchBody,
  benchEnv,
  createAccount,
  createProjectKey,
  deleteOrganisation,
  fmt,
  freePort,
  fromDist,
  GATEWAY_NODE_FLAGS,
  INGESTION_NODE_FLAGS,
  loadSettings,
  percentiles,
  require,
  runAutocannon,
  singleBody,
  sleep,
  spawnLogged,
  startApp,
  status,
  stop,
  waitFor,
  withPlatform,
} from './lib.mjs';

const CONTROL_STREAM = 'BENCH_CONTROL';
const CONTROL_SUBJECT_PREFIX = 'bench_control';
const CONTROL_CONSUMER = 'bench-control';
const CONTROL_TABLE = 'control_events';
const CONTROL_PROJECT_HEADER = 'x-bench-project';
// Ingestion's defaults (IngestionConfig, event-consumer.ts), so that the control batches as it does;
// its pulls are counted in messages though (see the header).
const CONTROL_BATCH_ROWS = 5000;
const CONTROL_FLUSH_MS = 500;
// Enough single events per pull, and few enough 100-event messages (about 100 KB each) that a pull never
// passes what the NATS server lets queue up for one client (64 MiB), which it answers by cutting the
// connection as a slow consumer.
const CONTROL_PREFETCH_MESSAGES = 200;
const CONTROL_ACK_WAIT_MS = 30_000;
const CONTROL_MAX_ACK_PENDING = 20_000;
const BATCH_SIZE = 100;
const SAMPLE_MS = 250;
const PROBE_POLL_MS = 50;

const mode = process.argv[2];
if (mode === '--control-gateway') {
  await controlGateway();
} else if (mode === '--control-consumer') {
  await controlConsumer();
} else {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(`bench:pipeline failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  }
  // Nothing of the bench is left to wait for (a stalled consumer's client may still hold a socket).
  process.exit();
}

// ---------------------------------------------------------------------------------------------------
// The control pipeline.

async function controlGateway() {
  const Fastify = require('fastify');
  const { connect } = require('nats');
  const { eventBatchMessageId } = fromDist('libs/contracts/src/index.js');
  const connection = await connect({
    servers: process.env.NATS_URL.split(','),
    name: 'bench-control-gateway',
  });
  const js = connection.jetstream();
  const encoder = new TextEncoder();
  const app = Fastify({ bodyLimit: 1024 * 1024, logger: false });

  const publish = async (request, reply, events) => {
    const projectId = String(request.headers[CONTROL_PROJECT_HEADER] ?? 'control');
    const receivedAt = new Date().toISOString();
    const envelopes = events.map((event) => bareEnvelope(event, projectId, receivedAt));
    const body = JSON.stringify(envelopes.length === 1 ? envelopes[0] : envelopes);
    await js.publish(`${CONTROL_SUBJECT_PREFIX}.${projectId}`, encoder.encode(body), {
      msgID: eventBatchMessageId(
        projectId,
        envelopes.map((envelope) => envelope.messageId),
      ),
      expect: { streamName: CONTROL_STREAM },
    });
    return reply.code(202).send({ accepted: envelopes.length, rejected: [] });
  };
  app.post('/v1/events', (request, reply) => publish(request, reply, [request.body]));
  app.post('/v1/batch', (request, reply) => publish(request, reply, request.body.batch));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  const shutdown = async () => {
    await app.close();
    await connection.drain();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

async function controlConsumer() {
  const { connect } = require('nats');
  const { createClickHouse } = fromDist('libs/clickhouse/src/index.js');
  const { toEventRow } = fromDist('apps/ingestion/src/event-store/event-row.js');
  const clickhouse = createClickHouse({
    url: process.env.CLICKHOUSE_URL,
    username: process.env.CLICKHOUSE_USER,
    password: process.env.CLICKHOUSE_PASSWORD,
    database: process.env.CLICKHOUSE_DATABASE,
  });
  const connection = await connect({
    servers: process.env.NATS_URL.split(','),
    name: 'bench-control-consumer',
  });
  const consumer = await connection.jetstream().consumers.get(CONTROL_STREAM, CONTROL_CONSUMER);
  const messages = await consumer.consume({ max_messages: CONTROL_PREFETCH_MESSAGES });
  const noEnrichment = { sessionId: '', userAgent: {}, country: '' };
  const decoder = new TextDecoder();
  /** Messages taken and not yet written, oldest first: { message, rows, at }. */
  const buffer = [];
  /** Every message taken and not acked yet (the buffer's and the insert's under way). */
  const unacked = new Set();
  let bufferedRows = 0;
  let wake = null;
  let stopping = false;

  const reading = (async () => {
    for await (const message of messages) {
      const parsed = JSON.parse(decoder.decode(message.data));
      const rows = (Array.isArray(parsed) ? parsed : [parsed]).map((envelope) =>
        toEventRow(envelope, noEnrichment),
      );
      buffer.push({ message, rows, at: Date.now() });
      unacked.add(message);
      bufferedRows += rows.length;
      if (buffer.length === 1 || bufferedRows >= CONTROL_BATCH_ROWS) wake?.();
    }
  })();
  const writing = (async () => {
    for (;;) {
      if (buffer.length === 0 && stopping) return;
      const waited = buffer.length > 0 ? Date.now() - buffer[0].at : 0;
      if (
        buffer.length === 0 ||
        (bufferedRows < CONTROL_BATCH_ROWS && waited < CONTROL_FLUSH_MS && !stopping)
      ) {
        await new Promise((resolveWait) => {
          const timer = setTimeout(resolveWait, CONTROL_FLUSH_MS - waited);
          wake = () => {
            clearTimeout(timer);
            resolveWait();
          };
        });
        wake = null;
        continue;
      }
      // Whole messages from the front, up to CONTROL_BATCH_ROWS rows (at least one message).
      let count = 0;
      let rows = 0;
      while (
        count < buffer.length &&
        (count === 0 || rows + buffer[count].rows.length <= CONTROL_BATCH_ROWS)
      ) {
        rows += buffer[count].rows.length;
        count += 1;
      }
      const batch = buffer.splice(0, count);
      bufferedRows -= rows;
      const values = batch.flatMap((item) => item.rows);
      for (;;) {
        try {
          await clickhouse.insert({ table: CONTROL_TABLE, values, format: 'JSONEachRow' });
          break;
        } catch (error) {
          console.error(`insert of ${values.length} rows failed, retrying: ${error.message}`);
          await sleep(250);
        }
      }
      for (const item of batch) {
        item.message.ack();
        unacked.delete(item.message);
      }
    }
  })();
  // As ingestion: held messages are reported in progress well within the ack wait.
  const heartbeat = setInterval(() => {
    for (const message of unacked) message.working();
  }, CONTROL_ACK_WAIT_MS / 3);

  const shutdown = async () => {
    stopping = true;
    clearInterval(heartbeat);
    await messages.close();
    await reading;
    wake?.();
    await writing;
    await connection.drain();
    await clickhouse.close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const settings = {
    ...loadSettings(30),
    rounds: Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3)),
    drainTimeoutSeconds: Number(process.env.BENCH_DRAIN_TIMEOUT_SECONDS ?? 120),
    stallSeconds: Number(process.env.BENCH_STALL_SECONDS ?? 30),
    probeRate: Number(process.env.BENCH_PROBE_RATE ?? 10),
    replicas: Math.max(1, Number(process.env.BENCH_REPLICAS ?? 2)),
  };
  // A database and control project ids of this run's own: two runs at once do not mix their rows.
  const runId = randomUUID().slice(0, 8);
  const env = benchEnv(`northstar_bench_pipeline_${runId}`);
  const loadAtStart = machineLoad();
  console.log(
    `Whole-pipeline benchmark: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; ` +
      `${settings.rounds} round(s) of ${settings.durationSeconds} s runs, drain timeout ` +
      `${settings.drainTimeoutSeconds} s\nMachine at start: ${loadAtStart}`,
  );

  return withPlatform(env, async (platform) => {
    const { gateway, children, clickhouse, sql, toSql, identifier } = platform;
    const { connect } = require('nats');
    const { EVENTS_STREAM } = fromDist('libs/contracts/src/index.js');
    const { eventStreamConfigs, DEFAULT_EVENT_STREAM_SETTINGS, INGESTION_CONSUMER } = fromDist(
      'libs/event-stream/src/index.js',
    );
    const nats = await connect({ servers: env.NATS_URL, name: 'bench-pipeline' });
    try {
      const jsm = await nats.jetstreamManager();

      // The control's stream, consumer and table; then its two processes.
      const [eventsConfig] = eventStreamConfigs(DEFAULT_EVENT_STREAM_SETTINGS);
      await jsm.streams.add({
        ...eventsConfig,
        name: CONTROL_STREAM,
        description: 'bench:pipeline control',
        subjects: [`${CONTROL_SUBJECT_PREFIX}.>`],
      });
      await jsm.consumers.add(CONTROL_STREAM, {
        durable_name: CONTROL_CONSUMER,
        filter_subject: `${CONTROL_SUBJECT_PREFIX}.>`,
        ack_policy: 'explicit',
        deliver_policy: 'all',
        ack_wait: CONTROL_ACK_WAIT_MS * 1e6,
        max_deliver: -1,
        max_ack_pending: CONTROL_MAX_ACK_PENDING,
      });
      await clickhouse.command({
        query: toSql(sql`CREATE TABLE IF NOT EXISTS ${identifier(CONTROL_TABLE)} AS events`),
      });
      const controlPort = await freePort();
      const self = fileURLToPath(import.meta.url);
      const startControlConsumer = () =>
        spawnLogged('control-consumer', process.execPath, [...INGESTION_NODE_FLAGS, self, '--control-consumer'], env);
      children.push(
        spawnLogged('control-gateway', process.execPath, [...GATEWAY_NODE_FLAGS, self, '--control-gateway'], {
          ...env,
          PORT: String(controlPort),
        }),
      );
      const controlUrl = `http://127.0.0.1:${controlPort}`;
      await waitFor(async () => (await status(`${controlUrl}/`)) !== 0, 'the control gateway', 30_000);

      const account = await createAccount(gateway);
      const keyHeaders = (key) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });
      const probeKey = await createProjectKey(gateway, account, 'Bench probe');
      const controlHeaders = (projectId) => ({
        'content-type': 'application/json',
        [CONTROL_PROJECT_HEADER]: projectId,
      });

      /** One pipeline: where to POST, where its events land, whose CPU counts, how to restart it. */
      const makeTarget = ({ name, url, stream, consumer, table, project, probe, start }) => {
        const target = { name, url, stream, consumer, table, project, probe, processes: [], broken: false };
        // A consumer process that exits without being asked to (something else signalled it) is
        // started again at once; the run it happened in says so and has no CPU figure.
        target.unexpectedExits = 0;
        const watch = (child) => {
          child.once('exit', () => {
            const at = target.processes.indexOf(child);
            if (child.stopping || at < 0) return;
            target.unexpectedExits += 1;
            console.log(`  (${name}'s consumer process ${child.pid} exited by itself: started again)`);
            target.processes[at] = launch(at + 1);
          });
          return child;
        };
        const launch = (replica) => {
          const child = watch(start(replica));
          children.push(child);
          return child;
        };
        target.adopt = (child) => target.processes.push(watch(child));
        target.scale = async (count) => {
          while (target.processes.length < count) target.processes.push(launch(target.processes.length + 1));
          while (target.processes.length > count) await stop(target.processes.pop());
        };
        /** Stops the consumer processes, runs `meanwhile` (if given), starts as many again. */
        target.restart = async (meanwhile) => {
          const count = target.processes.length;
          while (target.processes.length > 0) await stop(target.processes.pop());
          await meanwhile?.();
          await target.scale(count);
        };
        return target;
      };
      const northstar = makeTarget({
        name: 'Northstar',
        url: gateway,
        stream: EVENTS_STREAM,
        consumer: INGESTION_CONSUMER,
        table: 'events',
        project: async (label) => {
          const { projectId, key } = await createProjectKey(gateway, account, `Bench ${label}`);
          return { projectId, headers: keyHeaders(key) };
        },
        probe: { projectId: probeKey.projectId, headers: keyHeaders(probeKey.key) },
        start: (replica) => startApp('ingestion', env, { OPS_PORT: '0' }, `ingestion-${replica}`),
      });
      northstar.adopt(platform.ingestion);
      const control = makeTarget({
        name: 'control',
        url: controlUrl,
        stream: CONTROL_STREAM,
        consumer: CONTROL_CONSUMER,
        table: CONTROL_TABLE,
        project: async (label) => {
          const projectId = `control-${runId}-${label}`;
          return { projectId, headers: controlHeaders(projectId) };
        },
        probe: { projectId: `control-${runId}-probe`, headers: controlHeaders(`control-${runId}-probe`) },
        start: () => startControlConsumer(),
      });
      await control.scale(1);

      const ctx = { jsm, clickhouse, sql, toSql, identifier, settings, clockTicks: clockTicksPerSecond() };
      const runs = [];
      let stalls = 0;
      const measure = async (target, options) => {
        if (target.broken) {
          console.log(
            `  ${target.name} ${options.kind}: skipped (its consumer did not recover from a stall)`,
          );
          return null;
        }
        const run = await measureRun(ctx, target, options);
        if (run.stall) {
          stalls += 1;
          // The stalled run is reported; what it left in the stream would only slow the next runs.
          const left = await backlogOf(jsm, target).catch(() => null);
          console.log(
            `  after the stall: ${target.name}'s consumer process(es) restarted, the ${show(left)} messages ` +
              `left in ${target.stream} purged`,
          );
          await target.restart(() => jsm.streams.purge(target.stream));
          if (!(await untilIdle(ctx, target))) {
            target.broken = true;
            console.log(
              `  ${target.name}'s backlog is still not empty after the restart: no more runs on it`,
            );
          }
        }
        runs.push(run);
        return run;
      };

      // 1. Warm-up: the JIT, the connection pools, and proof that both pipelines store what they take.
      console.log('\nWarm-up: 3 s of single events on each pipeline, drained');
      for (const target of [northstar, control]) {
        await measure(target, { kind: 'single', label: 'warm-up', durationSeconds: 3, connections: 20 });
      }
      runs.length = 0;

      // 2. Rounds at saturation.
      for (let round = 1; round <= settings.rounds; round++) {
        console.log(
          `\nRound ${round} of ${settings.rounds} (saturation, ${settings.durationSeconds} s of load per run)`,
        );
        const order = round % 2 === 1 ? [northstar, control] : [control, northstar];
        for (const kind of ['single', 'batch']) {
          for (const target of order) await measure(target, { kind, round, label: `r${round}-${kind}` });
        }
        if (settings.replicas > 1 && !northstar.broken) {
          const pulling = await pullRequests(jsm, northstar);
          await northstar.scale(settings.replicas);
          await waitForMorePulls(jsm, northstar, pulling);
          await measure(northstar, {
            kind: 'batch',
            round,
            replicas: settings.replicas,
            label: `r${round}-batch-x${settings.replicas}`,
          });
          await northstar.scale(1);
        }
      }

      // 3. At 80% of the saturating rate: the pipeline's, what it stores per second (the gateway alone
      // accepts batches faster than any consumer writes them, and a backlog then only grows).
      console.log('\nAt 80% of the saturating rate (Northstar, median stored events/s of the rounds, in requests/s)');
      const eighty = {};
      for (const kind of ['single', 'batch']) {
        const perRequest = kind === 'batch' ? BATCH_SIZE : 1;
        const saturating = median(
          pick(runs, 'Northstar', kind, 1).map((run) => run.storedPerSecond / perRequest),
        );
        if (!(saturating > 0)) {
          console.log(`  ${kind}: no saturating rate measured`);
          continue;
        }
        const rate = Math.max(1, Math.round(0.8 * saturating));
        eighty[kind] = await measure(northstar, {
          kind,
          label: `eighty-${kind}`,
          overallRate: rate,
          eighty: true,
        });
      }

      await deleteOrganisation(gateway, account);
      const loadAtEnd = machineLoad();
      report({
        runs,
        eighty,
        stalls,
        settings,
        loadAtStart,
        loadAtEnd,
        broken: [northstar, control].filter((t) => t.broken),
      });
      return stalls > 0 || northstar.broken || control.broken ? 1 : 0;
    } finally {
      await nats.close();
    }
  });
}

/** One run: load, drain, and the figures. */
async function measureRun(ctx, target, options) {
  const { settings } = ctx;
  const { kind, round = 0, replicas = 1, label, overallRate } = options;
  const batch = kind === 'batch';
  const eventsPerRequest = batch ? BATCH_SIZE : 1;
  const durationSeconds = options.durationSeconds ?? settings.durationSeconds;
  const connections = options.connections ?? (batch ? settings.batchConnections : settings.connections);
  const { projectId, headers } = await target.project(label);
  await untilIdle(ctx, target);

  const processes = [...target.processes];
  const exitsBefore = target.unexpectedExits;
  const cpuBefore = cpuTicks(processes);
  const backlog = sampleBacklog(ctx.jsm, target);
  const probe = startProbe(ctx, target);
  let load;
  let loadEnd;
  let stored = 0;
  let pending = null;
  let drainedAt = null;
  let probed;
  try {
    load = await runAutocannon(
      null,
      `${target.url}/v1/${batch ? 'batch' : 'events'}`,
      batch ? batchBody(BATCH_SIZE) : singleBody(),
      headers,
      { duration: durationSeconds, connections, eventsPerRequest, ...(overallRate ? { overallRate } : {}) },
    );
    loadEnd = performance.now();
    probe.stopSending();

    // The drain: until every event answered 2xx is stored and the backlog is empty. A STALL when
    // neither the stored count nor the backlog moves for BENCH_STALL_SECONDS, or at the latest
    // BENCH_DRAIN_TIMEOUT_SECONDS after the load.
    const deadline = loadEnd + settings.drainTimeoutSeconds * 1000;
    let movedAt = performance.now();
    // Progress: more rows stored, or a backlog lower than any before (it may wobble while stalled).
    let lowest = Infinity;
    for (;;) {
      // A query that fails (ClickHouse busy) is asked again at the next turn.
      const count = await countRows(ctx, target.table, projectId, 'count()').catch(() => stored);
      const backlogNow = await backlogOf(ctx.jsm, target).catch(() => pending);
      if (count > stored || (backlogNow !== null && backlogNow < lowest)) movedAt = performance.now();
      if (backlogNow !== null) lowest = Math.min(lowest, backlogNow);
      stored = count;
      pending = backlogNow;
      if (stored >= load.acceptedEvents && pending === 0) {
        drainedAt = performance.now();
        break;
      }
      const now = performance.now();
      if (now > deadline || now - movedAt > settings.stallSeconds * 1000) break;
      await sleep(SAMPLE_MS);
    }
    probed = await probe.finish(drainedAt ? performance.now() + 5000 : performance.now());
  } finally {
    // Also when the run failed: no sampler or probe left running.
    probed ??= await probe.finish(performance.now());
    await backlog.stop();
  }
  const cpuAfter = cpuTicks(processes);
  const expected = load.acceptedEvents;
  const unique = await countRows(ctx, target.table, projectId, 'uniqExact(event_id)');

  const stall = drainedAt === null;
  const drainSeconds = ((drainedAt ?? performance.now()) - loadEnd) / 1000;
  const written = unique + probed.seen;
  const sameProcesses = processes.every((child) => child.exitCode === null && child.signalCode === null);
  const run = {
    target: target.name,
    kind,
    round,
    replicas,
    eighty: Boolean(options.eighty),
    offered: overallRate ?? null,
    requestsPerSecond: load.requestsPerSecond,
    acceptedPerSecond: load.eventsPerSecond,
    non2xx: load.non2xx,
    errors: load.errors,
    expected,
    stored: unique,
    storedPerSecond: unique / (load.seconds + drainSeconds),
    drainSeconds,
    maxBacklog: backlog.max,
    p50: probed.p50,
    p95: probed.p95,
    cpuMicrosPerEvent:
      !stall && cpuBefore !== null && cpuAfter !== null && sameProcesses && written > 0
        ? ((cpuAfter - cpuBefore) * 1e6) / ctx.clockTicks / written
        : null,
    stall,
    consumerExits: target.unexpectedExits - exitsBefore,
  };
  printRun(run, load, probed, target, pending);
  return run;
}

function printRun(run, load, probed, target, pending) {
  const what =
    `${run.target}${run.replicas > 1 ? ` ×${run.replicas}` : ''} ${run.kind === 'batch' ? 'batches' : 'singles'}` +
    (run.offered ? ` at ${fmt(run.offered)} req/s` : '');
  const consumerName = target.name === 'Northstar' ? 'ingestion' : 'consumer';
  console.log(
    `  ${what.padEnd(30)} accepted ${fmt(run.acceptedPerSecond).padStart(7)}/s (${fmt(load.ok)} × ${
      run.kind === 'batch' ? BATCH_SIZE : 1
    } answered 2xx; not counted: ${fmt(load.non2xx)} non-2xx, ${fmt(load.errors)} errors)\n` +
      `  ${''.padEnd(30)} stored ${fmt(run.stored)} in ${load.seconds.toFixed(1)} + ${run.drainSeconds.toFixed(1)} s ` +
      `= ${fmt(run.storedPerSecond)}/s; largest backlog ${fmt(run.maxBacklog)} messages; ` +
      `POST → visible p50 ${show(run.p50)} / p95 ${show(run.p95)} ms (${probed.seen} of ${probed.sent} probes` +
      `${probed.refused ? `, ${probed.refused} not 2xx` : ''}); ${consumerName} CPU ${show(run.cpuMicrosPerEvent, 1)} µs/event`,
  );
  if (run.consumerExits > 0) {
    console.log(
      `  note: a consumer process exited by itself ${run.consumerExits} time(s) in this run (started again)`,
    );
  }
  if (run.stall) {
    console.log(
      `  STALL: ${fmt(Math.max(0, run.expected - run.stored))} of ${fmt(run.expected)} events answered 2xx not in ` +
        `ClickHouse ${run.drainSeconds.toFixed(0)} s after the load; backlog ${show(pending)} messages`,
    );
  }
}

function report({ runs, eighty, stalls, settings, loadAtStart, loadAtEnd, broken }) {
  const rounds = (name, kind, replicas = 1) => pick(runs, name, kind, replicas);
  const columns = [
    ['Northstar single', rounds('Northstar', 'single')],
    ['control single', rounds('control', 'single')],
    ['Northstar batch', rounds('Northstar', 'batch')],
    ['control batch', rounds('control', 'batch')],
    ...(settings.replicas > 1
      ? [[`Northstar batch ×${settings.replicas}`, rounds('Northstar', 'batch', settings.replicas)]]
      : []),
  ];
  const figures = [
    ['accepted events/s', (r) => r.acceptedPerSecond, 0],
    ['stored events/s', (r) => r.storedPerSecond, 0],
    // A stalled run has no drain time, and its probes were not seen: it counts in the stalls row.
    ['drain time (s)', (r) => (r.stall ? null : r.drainSeconds), 1],
    ['largest backlog (messages)', (r) => r.maxBacklog, 0],
    ['POST → visible p50 (ms)', (r) => (r.stall ? null : r.p50), 0],
    ['POST → visible p95 (ms)', (r) => (r.stall ? null : r.p95), 0],
    ['consumer CPU (µs/event)', (r) => r.cpuMicrosPerEvent, 1],
    ['stalls', (r) => (r.stall ? 1 : 0), 0, 'sum'],
  ];
  const width = 20;
  console.log(`\nMedians over ${settings.rounds} round(s) (the control: bare Fastify + bare pull consumer)`);
  console.log(`  ${'figure'.padEnd(28)}${columns.map(([name]) => name.padStart(width)).join('')}`);
  for (const [name, of, digits, how] of figures) {
    const cells = columns.map(([, list]) => {
      const values = list.map(of).filter((v) => v !== null && v !== undefined);
      const value = how === 'sum' ? values.reduce((a, b) => a + b, 0) : median(values);
      return show(value, digits).padStart(width);
    });
    console.log(`  ${name.padEnd(28)}${cells.join('')}`);
  }

  const ratioOf = (kind) =>
    median(
      rounds('Northstar', kind)
        .map((n) => {
          const c = rounds('control', kind).find((r) => r.round === n.round);
          return c && c.storedPerSecond > 0 ? n.storedPerSecond / c.storedPerSecond : null;
        })
        .filter((v) => v !== null),
    );
  const verdict = (ok) => (ok === null ? 'not measured' : ok ? 'met' : 'NOT met');
  const line = (what, value, target, ok) =>
    console.log(`  ${what.padEnd(62)} ${value.padStart(10)}   target ${target.padEnd(10)} ${verdict(ok)}`);
  const check = (value, test) =>
    value === null || value === undefined || Number.isNaN(value) ? null : test(value);
  console.log('\nTargets (issue 12)');
  const singleRatio = ratioOf('single');
  const batchRatio = ratioOf('batch');
  line(
    'stored/s, Northstar ÷ control, single events',
    show(singleRatio, 2),
    '>= 0.6',
    check(singleRatio, (v) => v >= 0.6),
  );
  line(
    'stored/s, Northstar ÷ control, batches of 100',
    show(batchRatio, 2),
    '>= 0.6',
    check(batchRatio, (v) => v >= 0.6),
  );
  line(
    'runs that stalled (all runs, 80% ones included)',
    String(stalls),
    'none',
    stalls === 0 && broken.length === 0,
  );
  for (const kind of ['single', 'batch']) {
    const run = eighty[kind];
    const value = run
      ? run.stall
        ? `> ${run.drainSeconds.toFixed(0)} s`
        : `${run.drainSeconds.toFixed(1)} s`
      : '–';
    line(
      `drain at 80% of saturation, ${kind === 'batch' ? 'batches' : 'single events'}` +
        (run ? ` (${fmt(run.offered)} req/s)` : ''),
      value,
      '<= 10 s',
      run ? !run.stall && run.drainSeconds <= 10 : null,
    );
  }
  const cpu = median(
    rounds('Northstar', 'batch')
      .map((r) => r.cpuMicrosPerEvent)
      .filter((v) => v !== null),
  );
  line(
    'ingestion CPU per event, batches',
    `${show(cpu, 1)} µs`,
    '<= 20 µs',
    check(cpu, (v) => v <= 20),
  );
  const cpuSingle = median(
    rounds('Northstar', 'single')
      .map((r) => r.cpuMicrosPerEvent)
      .filter((v) => v !== null),
  );
  const note = (what, value) => console.log(`  ${what.padEnd(62)} ${value.padStart(10)}`);
  note('ingestion CPU per event, single events', `${show(cpuSingle, 1)} µs`);
  if (settings.replicas > 1) {
    const cpuReplicas = median(
      rounds('Northstar', 'batch', settings.replicas)
        .map((r) => r.cpuMicrosPerEvent)
        .filter((v) => v !== null),
    );
    note(`ingestion CPU per event, batches, ${settings.replicas} replicas`, `${show(cpuReplicas, 1)} µs`);
  }

  const one = median(rounds('Northstar', 'batch').map((r) => r.storedPerSecond));
  if (settings.replicas > 1) {
    const more = median(rounds('Northstar', 'batch', settings.replicas).map((r) => r.storedPerSecond));
    console.log(
      `\nIngestion replicas, Northstar batches: stored ${show(one)}/s with 1, ${show(more)}/s with ${settings.replicas}` +
        (one > 0 && more !== null ? ` (×${(more / one).toFixed(2)})` : ''),
    );
  }
  for (const target of broken)
    console.log(`${target.name}'s consumer did not recover from a stall: later runs skipped`);
  console.log(`\nMachine at start: ${loadAtStart}\nMachine at end:   ${loadAtEnd}`);
  console.log("note: the load generator, both pipelines and the stores share this machine's cores");
}

// ---------------------------------------------------------------------------------------------------
// Measuring.

/** Waits until the target's consumer has nothing pending; false after the drain timeout. */
async function untilIdle(ctx, target) {
  const deadline = performance.now() + ctx.settings.drainTimeoutSeconds * 1000;
  for (;;) {
    const pending = await backlogOf(ctx.jsm, target).catch(() => null);
    if (pending === 0) return true;
    if (performance.now() > deadline) return false;
    await sleep(SAMPLE_MS);
  }
}

/** Messages of the consumer not yet acknowledged: not delivered yet, or delivered and not acked. */
async function backlogOf(jsm, target) {
  const info = await jsm.consumers.info(target.stream, target.consumer);
  return info.num_pending + info.num_ack_pending;
}

/** Samples the backlog every SAMPLE_MS until stopped; keeps the largest. */
function sampleBacklog(jsm, target) {
  const state = { max: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const pending = await backlogOf(jsm, target).catch(() => null);
      if (pending !== null) state.max = Math.max(state.max, pending);
      await sleep(SAMPLE_MS);
    }
  })();
  state.stop = async () => {
    running = false;
    await loop;
  };
  return state;
}

/** Pull requests JetStream holds for the target's consumer (each consuming process keeps some open). */
async function pullRequests(jsm, target) {
  const info = await jsm.consumers.info(target.stream, target.consumer).catch(() => null);
  return info?.num_waiting ?? 0;
}

/** After starting replicas: until JetStream holds more pull requests than before (at most 30 s). */
async function waitForMorePulls(jsm, target, before) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await pullRequests(jsm, target)) > before) return;
    await sleep(SAMPLE_MS);
  }
  console.log(
    `  (no more pull requests on ${target.name}'s consumer 30 s after adding replicas; measuring anyway)`,
  );
}

/**
 * Single events with unique messageIds, BENCH_PROBE_RATE a second, to the target's probe project
 * while the load runs; ClickHouse polled every PROBE_POLL_MS for those answered 2xx. `finish(until)`
 * waits for the rest until `until` (performance.now() time) and gives p50 / p95 of POST → visible.
 */
function startProbe(ctx, target) {
  const { clickhouse, sql, toSql, identifier, settings } = ctx;
  const pending = new Map();
  const delays = [];
  const posts = [];
  let sending = settings.probeRate > 0;
  let polling = true;
  let sent = 0;
  let refused = 0;

  const sender = (async () => {
    const started = performance.now();
    for (let i = 0; sending; i++) {
      await sleep(Math.max(0, started + (i * 1000) / settings.probeRate - performance.now()));
      if (!sending) break;
      const messageId = `probe-${randomUUID()}`;
      const postedAt = performance.now();
      sent += 1;
      posts.push(
        fetch(`${target.url}/v1/events`, {
          method: 'POST',
          headers: target.probe.headers,
          body: JSON.stringify({ type: 'track', event: 'Bench probe', userId: 'bench-probe', messageId }),
          signal: AbortSignal.timeout(10_000),
        })
          .then(async (response) => {
            await response.arrayBuffer();
            if (response.status >= 200 && response.status < 300) pending.set(messageId, postedAt);
            else refused += 1;
          })
          .catch(() => {
            refused += 1;
          }),
      );
    }
  })();
  const poller = (async () => {
    while (polling) {
      if (pending.size > 0) {
        try {
          const result = await clickhouse.query({
            query: toSql(
              sql`SELECT message_id FROM ${identifier(target.table)} WHERE project_id = ${target.probe.projectId} AND has(${[
                ...pending.keys(),
              ]}, message_id)`,
            ),
            format: 'JSONEachRow',
          });
          const now = performance.now();
          for (const { message_id: id } of await result.json()) {
            if (!pending.has(id)) continue;
            delays.push(now - pending.get(id));
            pending.delete(id);
          }
        } catch {
          // A slow or refused query: the next poll asks again.
        }
      }
      await sleep(PROBE_POLL_MS);
    }
  })();

  return {
    stopSending() {
      sending = false;
    },
    async finish(until) {
      sending = false;
      await sender;
      await Promise.all(posts);
      while (pending.size > 0 && performance.now() < until) await sleep(PROBE_POLL_MS);
      polling = false;
      await poller;
      const p = delays.length > 0 ? percentiles(delays) : { p50: null, p95: null };
      return { p50: p.p50, p95: p.p95, seen: delays.length, sent, refused };
    },
  };
}

async function countRows({ clickhouse, sql, toSql, identifier }, table, projectId, aggregate) {
  const expression = aggregate === 'count()' ? sql`count()` : sql`uniqExact(event_id)`;
  const result = await clickhouse.query({
    query: toSql(sql`SELECT ${expression} AS n FROM ${identifier(table)} WHERE project_id = ${projectId}`),
    format: 'JSONEachRow',
  });
  const [row] = await result.json();
  return Number(row?.n ?? 0);
}

/** utime + stime of the processes, in clock ticks (null when one cannot be read). */
function cpuTicks(processes) {
  let total = 0;
  for (const child of processes) {
    try {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      // The fields after the command name (which may hold spaces), from field 3 (state) on.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(fields[11]) + Number(fields[12]);
    } catch {
      return null;
    }
  }
  return total;
}

function clockTicksPerSecond() {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(result.stdout?.trim());
  return ticks > 0 ? ticks : 100;
}

function machineLoad() {
  const [one, five, fifteen] = os.loadavg().map((value) => value.toFixed(2));
  return `load average ${one} / ${five} / ${fifteen} (1 / 5 / 15 min), ${os.cpus().length} cores`;
}

function pick(runs, name, kind, replicas) {
  return runs.filter((r) => r.target === name && r.kind === kind && r.replicas === replicas && !r.eighty);
}

function median(values) {
  const list = values.filter((v) => v !== null && v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b);
  if (list.length === 0) return null;
  const middle = Math.floor(list.length / 2);
  return list.length % 2 === 1 ? list[middle] : (list[middle - 1] + list[middle]) / 2;
}

function show(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return digits === 0 ? fmt(value) : value.toFixed(digits);
}
