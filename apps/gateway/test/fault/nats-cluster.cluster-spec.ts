/**
 * Fault test on a three-node NATS cluster (`npm run test:cluster`): the platform's streams are moved
 * from 1 to 3 replicas by the migrate step, then, while events arrive through the gateway's
 * POST /v1/batch, the node leading the EVENTS stream is killed with SIGKILL and later started again.
 * Nothing acknowledged may be lost or doubled (ClickHouse holds each event id once), the gateway may
 * answer only a short burst of 503s with Retry-After while the stream elects its new leader, and
 * every process reconnects by itself: ingestion keeps consuming, the services answer on the bus.
 * FAULT_EVENTS events (20,000 unless set).
 */
import {
  DOMAIN_EVENTS_DLQ_STREAM,
  DOMAIN_EVENTS_STREAM,
  EVENTS_DLQ_STREAM,
  EVENTS_STREAM,
  type ServiceName,
} from '@northstar/contracts';
import { INGESTION_CONSUMER } from '@northstar/event-stream';
import { connect, type JetStreamManager } from 'nats';
import { ingestionService } from '../platform-services';
import { eventually, migrateService, pingService } from '../support';
import { eventsWritten, FAULT_EVENTS, NatsCluster, storedOnceEach } from './fault-harness';
import { useFaultStack } from './fault-stack';

jest.setTimeout(15 * 60_000);

const STREAMS = [EVENTS_STREAM, EVENTS_DLQ_STREAM, DOMAIN_EVENTS_STREAM, DOMAIN_EVENTS_DLQ_STREAM];
/**
 * The longest the gateway may answer 503 around the kill: the publishes in flight to the dead leader
 * wait out EVENTS_PUBLISH_TIMEOUT_MS (5 s), then the stream's election (a few seconds) must be over.
 */
const BURST_LIMIT_MS = 15_000;

async function withJetStream<T>(url: string, use: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const connection = await connect({ servers: url.split(','), maxReconnectAttempts: -1 });
  try {
    return await use(await connection.jetstreamManager({ checkAPI: false }));
  } finally {
    await connection.close();
  }
}

/** Each stream's replicas, as its configuration says. */
function replicasOf(url: string): Promise<Record<string, number>> {
  return withJetStream(url, async (jsm) => {
    const replicas: Record<string, number> = {};
    for (const stream of STREAMS) replicas[stream] = (await jsm.streams.info(stream)).config.num_replicas;
    return replicas;
  });
}

/** Fails until every stream and the ingestion consumer have a leader and all their followers current. */
async function allReplicasCurrent(url: string): Promise<void> {
  await withJetStream(url, async (jsm) => {
    const clusters = [
      ...(await Promise.all(STREAMS.map(async (stream) => (await jsm.streams.info(stream)).cluster))),
      (await jsm.consumers.info(EVENTS_STREAM, INGESTION_CONSUMER)).cluster,
    ];
    for (const cluster of clusters) {
      expect(cluster?.leader).toBeTruthy();
      expect(cluster?.replicas?.map((replica) => replica.current)).toEqual([true, true]);
    }
  });
}

/** The server name of the EVENTS stream's leader (none during an election). */
function eventsLeader(url: string): Promise<string | undefined> {
  return withJetStream(url, async (jsm) => (await jsm.streams.info(EVENTS_STREAM)).cluster?.leader);
}

let replicasBefore: Record<string, number> = {};
const currentStack = useFaultStack<NatsCluster>({
  env: { NATS_STREAM_REPLICAS: '3' },
  bus: async (processes) => {
    const cluster = await NatsCluster.start(processes);
    // The streams as a platform configured for a single server made them (one replica each), before
    // the stack's own migrate step runs with NATS_STREAM_REPLICAS=3.
    await migrateService(ingestionService, { NATS_URL: cluster.url, NATS_STREAM_REPLICAS: '1' });
    replicasBefore = await replicasOf(cluster.url);
    return cluster;
  },
});

it('the migrate step brings every existing stream (and its consumers) to NATS_STREAM_REPLICAS', async () => {
  const { nats } = currentStack();
  expect(replicasBefore).toEqual(Object.fromEntries(STREAMS.map((stream) => [stream, 1])));
  expect(await replicasOf(nats.url)).toEqual(Object.fromEntries(STREAMS.map((stream) => [stream, 3])));
  await eventually(() => allReplicasCurrent(nats.url), { timeoutMs: 30_000, intervalMs: 250 });
});

it(`stores each of ${FAULT_EVENTS} acknowledged events exactly once when the EVENTS leader is killed and restarted`, async () => {
  const stack = currentStack();
  const cluster = stack.nats;
  const ingestion = await stack.startIngestion();
  const load = stack.load(FAULT_EVENTS, 'cluster');
  // The last fifth is sent only once the killed node is back: it must go through the whole pipeline
  // again, by the same processes.
  const afterRestart = load.holdAt(0.8);
  const sending = load.run();

  await load.reached(0.3);
  const leaderName = await eventually(
    async () => {
      const leader = await eventsLeader(cluster.url);
      expect(leader).toBeTruthy();
      return leader as string;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  const leader = cluster.node(leaderName);
  const killedAt = Date.now();
  await leader.stop('SIGKILL');

  // The two others elect a new leader, and events keep coming in on them.
  const survivors = cluster.nodes
    .filter((node) => node !== leader)
    .map((node) => node.url)
    .join(',');
  const newLeader = await eventually(
    async () => {
      const now = await eventsLeader(survivors);
      expect(now).toBeTruthy();
      expect(now).not.toBe(leaderName);
      return now;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  // An upper bound: when the meta leader died too, the stream info itself waits for the next one.
  const electedAfterMs = Date.now() - killedAt;
  await load.reached(0.6);

  await leader.start();
  // The restarted node catches up with what it missed.
  await eventually(() => allReplicasCurrent(cluster.url), { timeoutMs: 60_000, intervalMs: 500 });
  // Everything sent so far is written before the rest is sent.
  await storedOnceEach(stack.clickhouse, stack.projectId, load.acknowledged);
  const writtenAtRestart = await eventsWritten(ingestion);
  afterRestart();

  expect(await sending).toBe(FAULT_EVENTS);
  const stored = await storedOnceEach(stack.clickhouse, stack.projectId, FAULT_EVENTS);
  const unavailable = load.unavailable;
  const burstMs = unavailable.length ? unavailable[unavailable.length - 1].at - unavailable[0].at : 0;
  console.log(
    `NATS cluster fault test: killed ${leaderName} (EVENTS leader), ${newLeader} seen leading after ` +
      `${electedAfterMs} ms; answers ${JSON.stringify(Object.fromEntries(load.answers))}, 503s over ` +
      `${burstMs} ms; stored ${JSON.stringify(stored)}`,
  );
  // Nothing acknowledged lost, nothing doubled.
  expect(stored).toMatchObject({
    distinctEvents: FAULT_EVENTS,
    distinctMessages: FAULT_EVENTS,
    final: FAULT_EVENTS,
  });
  // Only 503s, each telling the client when to come back, and only during the election.
  expect(load.unexpectedAnswers()).toEqual({});
  expect(unavailable.filter((answer) => !/^\d+$/.test(answer.retryAfter ?? ''))).toEqual([]);
  expect(burstMs).toBeLessThan(BURST_LIMIT_MS);
  // The same ingestion process consumed after the restart: it reconnected by itself.
  expect(ingestion.child.exitCode).toBeNull();
  expect(await eventsWritten(ingestion)).toBeGreaterThan(writtenAtRestart);
  // And the services in this process answer on the bus.
  const services: ServiceName[] = ['identity', 'tenancy', 'keys'];
  for (const name of services) await pingService(name, 2000, { NATS_URL: cluster.url });
});
