/**
 * Two replicas of every service and two gateways, as separate processes from dist/, on one private
 * bus: each kind of work is done once, whichever replica picks it up.
 *   - bus requests: one queue group per service, so each request is answered by one replica (a bus
 *     monitor counts the replies of every request);
 *   - events: one durable JetStream consumer shared by the ingestion replicas (ClickHouse counts);
 *   - durable domain events: one durable consumer per service and event, shared by its replicas (the
 *     sign-up email is written once; the consumer handed each event out once);
 *   - the outbox: rows claimed FOR UPDATE SKIP LOCKED, so each domain event is published once (the
 *     monitor counts every publish on `domain.>` by message id, before JetStream's de-duplication);
 *   - alerts: one BullMQ job scheduler per alert, so one evaluation per tick, and one delivery job per
 *     notification (a webhook receiver counts what arrives).
 * The processes run the build in dist/: `npm test` builds first; alone, run `npm run build` before.
 */
import { ChainsSubjects, DOMAIN_EVENTS_STREAM, DOMAIN_EVENTS_SUBJECT_PREFIX } from '@northstar/contracts';
import { openEventToken, readMetric } from '@northstar/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from 'nats';
import { storedOnceEach } from './fault/fault-harness';
import { EventLoad } from './fault/fault-stack';
import {
  REPLICATED_SERVICES,
  startReplicaStack,
  type ReplicaStack,
  type ReplicatedService,
} from './replica-stack';
import { e2eClickHouseClient, eventually } from './support';
import { call, createOrg } from './tenancy-support';
import { clientAddress, postJson, signUp, type SignedUpUser } from './users';

jest.setTimeout(10 * 60_000);

const PROJECTS = 20;
const EVENTS_PER_GATEWAY = 2000;
const SIGN_UPS = 6;
const ALERT_EVERY_SECONDS = 5;
const ALERT_NOTIFICATIONS = 3;

const mailDir = mkdtempSync(join(tmpdir(), 'northstar-e2e-replicas-'));
const clickhouse = e2eClickHouseClient();
let stack: ReplicaStack;
let gateways: [string, string];
let owner: SignedUpUser;
let orgId: string;
let monitor: BusMonitor;
let receiver: Server;
let hookUrl: string;
const hooks: { headers: IncomingHttpHeaders; body: string }[] = [];
const alertIds: string[] = [];

/** Every message on the bus, as a NATS client subscribed to `>` sees it (one connection, in order). */
class BusMonitor {
  /** Requests to a service subject: reply subject → request subject. */
  readonly requests = new Map<string, string>();
  /** Replies seen per reply subject. */
  readonly replies = new Map<string, number>();
  /** Publishes on `domain.>` per message id (Nats-Msg-Id), with their subject and payload. */
  readonly domainEvents = new Map<string, { subject: string; data: string; times: number }>();

  private constructor(private readonly connection: NatsConnection) {}

  static async start(url: string): Promise<BusMonitor> {
    const monitor = new BusMonitor(await connect({ servers: url, name: 'replicas-e2e-monitor' }));
    monitor.listen();
    await monitor.connection.flush();
    return monitor;
  }

  private listen(): void {
    const services = new Set<string>([...REPLICATED_SERVICES]);
    this.connection.subscribe('>', {
      callback: (error, message) => {
        if (error) return;
        const subject = message.subject;
        if (this.requests.has(subject)) {
          this.replies.set(subject, (this.replies.get(subject) ?? 0) + 1);
        } else if (message.reply?.startsWith('$JS.ACK.')) {
          // JetStream handing a stored message to a consumer, not a publish.
          return;
        } else if (subject.startsWith(`${DOMAIN_EVENTS_SUBJECT_PREFIX}.`)) {
          const id = message.headers?.get('Nats-Msg-Id') || `(no id) ${subject} ${this.domainEvents.size}`;
          const seen = this.domainEvents.get(id);
          if (seen) seen.times++;
          else this.domainEvents.set(id, { subject, data: message.string(), times: 1 });
        } else if (message.reply && services.has(subject.split('.')[0] ?? '')) {
          this.requests.set(message.reply, subject);
        }
      },
    });
  }

  /** Bus requests by subject, and those answered other than once ({ subject: [replies, ...] }). */
  answers(): { bySubject: Record<string, number>; notOnce: Record<string, number[]> } {
    const bySubject: Record<string, number> = {};
    const notOnce: Record<string, number[]> = {};
    for (const [reply, subject] of this.requests) {
      bySubject[subject] = (bySubject[subject] ?? 0) + 1;
      const replies = this.replies.get(reply) ?? 0;
      if (replies !== 1) (notOnce[subject] ??= []).push(replies);
    }
    return { bySubject, notOnce };
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/**
 * Each durable consumer of DOMAIN_EVENTS (one per service and event, shared by the service's replicas)
 * once it has nothing pending: whether it handed each stored event out exactly once (a redelivery, or
 * a second consumer's delivery, would not be) and how many events that was.
 */
async function durableConsumers(
  url: string,
): Promise<{ name: string; events: number; delivered: number; handedOutOnce: boolean }[]> {
  const connection = await connect({ servers: url, name: 'replicas-e2e-consumers' });
  try {
    const manager = await connection.jetstreamManager();
    const stream = await manager.streams.info(DOMAIN_EVENTS_STREAM, { subjects_filter: '>' });
    const stored = stream.state.subjects ?? {};
    const names = (await manager.consumers.list(DOMAIN_EVENTS_STREAM).next()).map((info) => info.name);
    return await Promise.all(
      names.map(async (name) => {
        const info = await eventually(
          async () => {
            const now = await manager.consumers.info(DOMAIN_EVENTS_STREAM, name);
            expect({ name, pending: now.num_pending, unacknowledged: now.num_ack_pending }).toEqual({
              name,
              pending: 0,
              unacknowledged: 0,
            });
            return now;
          },
          { timeoutMs: 30_000, intervalMs: 250 },
        );
        const events = stored[info.config.filter_subject ?? ''] ?? 0;
        const delivered = info.delivered.consumer_seq;
        return { name, events, delivered, handedOutOnce: info.num_redelivered === 0 && delivered === events };
      }),
    );
  } finally {
    await connection.close();
  }
}

/** How many messages of `subject` each replica of `service` has handled so far. */
function handledBy(service: ReplicatedService, subject: string): Promise<number[]> {
  return Promise.all(
    stack.services[service].map((replica) =>
      readMetric(replica.opsUrl, 'northstar_bus_messages_handled_seconds_count', { subject }),
    ),
  );
}

/** The gateway for the n-th call: the two take turns, as behind a load balancer. */
const gateway = (n: number) => gateways[n % 2];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hooks.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/replicas`;

  stack = await startReplicaStack({
    QUEUE_PREFIX: `e2e-replicas-${randomBytes(4).toString('hex')}`,
    MAIL_DIR: mailDir,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'warn',
  });
  gateways = stack.gateways;
  // From the first request on: a request answered twice must be seen whenever it happens.
  monitor = await BusMonitor.start(stack.nats.url);
  owner = await signUp(gateway(0), { name: 'Replica Owner' });
  // Alerts need a verified email of their author: the token is in the event the monitor saw.
  const registered = await eventually(() => {
    const event = [...monitor.domainEvents.values()].find((seen) => seen.data.includes(owner.user.email));
    if (!event) throw new Error(`no identity.user.registered event for ${owner.user.email} yet`);
    return JSON.parse(event.data) as { verificationToken: string };
  });
  const verified = await postJson(
    `${gateway(1)}/v1/auth/verify-email`,
    { token: openEventToken(registered.verificationToken) },
    clientAddress(),
  );
  expect(verified.status).toBe(204);
  orgId = (await createOrg(gateway(1), owner, 'Replicas', { natsUrl: stack.nats.url })).id;
}, 10 * 60_000);

afterAll(async () => {
  // An alert left enabled in the test database would be scheduled by later runs: remove it.
  for (const id of alertIds) if (gateways) await call(gateways[0], 'DELETE', `/alerts/${id}`, owner);
  await monitor?.close();
  await stack?.close();
  await clickhouse.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(mailDir, { recursive: true, force: true });
});

it(`${PROJECTS} projects created through both gateways: each request handled by one tenancy replica`, async () => {
  const created = await Promise.all(
    Array.from({ length: PROJECTS }, (_, n) =>
      call<{ id: string }>(gateway(n), 'POST', `/orgs/${orgId}/projects`, owner, {
        name: `Replicated ${n}`,
        kind: 'web2',
      }),
    ),
  );
  expect(created.map((answer) => answer.status)).toEqual(Array(PROJECTS).fill(201));
  const listed = await call<{ items: { id: string }[] }>(
    gateway(0),
    'GET',
    `/orgs/${orgId}/projects?limit=100`,
    owner,
  );
  expect(listed.body.items).toHaveLength(PROJECTS);

  // Each tenancy replica counts the messages it handled: together, one per request; both took some.
  const handled = await handledBy('tenancy', 'tenancy.project.create');
  console.log(`replicas: tenancy.project.create handled by each replica ${JSON.stringify(handled)}`);
  expect(handled[0] + handled[1]).toBe(PROJECTS);
  for (const count of handled) expect(count).toBeGreaterThan(0);
});

it(`${PROJECTS} reads of the chain catalog: each handled by one chains replica`, async () => {
  const before = await handledBy('chains', ChainsSubjects.list);
  const answers = await Promise.all(
    Array.from({ length: PROJECTS }, (_, n) =>
      fetch(`${gateway(n)}/v1/chains`).then((answer) => answer.status),
    ),
  );
  expect(answers).toEqual(Array(PROJECTS).fill(200));
  const after = await handledBy('chains', ChainsSubjects.list);
  const handled = after.map((count, n) => count - (before[n] ?? 0));
  console.log(`replicas: ${ChainsSubjects.list} handled by each replica ${JSON.stringify(handled)}`);
  expect(handled[0] + handled[1]).toBe(PROJECTS);
  for (const count of handled) expect(count).toBeGreaterThan(0);
});

it(`events sent through both gateways are stored once each, written by both ingestion replicas`, async () => {
  const project = await call<{ id: string }>(gateway(0), 'POST', `/orgs/${orgId}/projects`, owner, {
    name: 'Event Sink',
    kind: 'web2',
  });
  const key = await call<{ key: string }>(gateway(1), 'POST', `/projects/${project.body.id}/keys`, owner, {
    name: 'Replicas load',
    scopes: ['events:write'],
  });
  expect([project.status, key.status]).toEqual([201, 201]);
  const total = 2 * EVENTS_PER_GATEWAY;
  const loads = gateways.map((url, n) => new EventLoad(url, key.body.key, EVENTS_PER_GATEWAY, `gw${n}`));
  const acknowledged = await Promise.all(loads.map((load) => load.run()));
  expect(acknowledged).toEqual([EVENTS_PER_GATEWAY, EVENTS_PER_GATEWAY]);

  const stored = await storedOnceEach(clickhouse, project.body.id, total);
  const written = await eventually(
    async () => {
      const counts = await Promise.all(
        stack.services.ingestion.map((replica) =>
          readMetric(replica.opsUrl, 'northstar_ingestion_events_written_total'),
        ),
      );
      expect(counts[0] + counts[1]).toBeGreaterThanOrEqual(total);
      return counts;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  console.log(`replicas: events written by each ingestion replica ${JSON.stringify(written)}`);
  expect(written[0] + written[1]).toBe(total);
  for (const count of written) expect(count).toBeGreaterThan(0);
  expect(stored).toEqual({ rows: total, distinctEvents: total, distinctMessages: total, final: total });
});

it(`${SIGN_UPS} sign-ups: each one's domain event published once and its verification email sent once`, async () => {
  const users = await Promise.all(
    Array.from({ length: SIGN_UPS }, (_, n) => signUp(gateway(n), { name: `Replica User ${n}` })),
  );
  const emails = users.map((user) => user.user.email);
  const mailsOf = (email: string) => readdirSync(mailDir).filter((name) => name.includes(email)).length;
  await eventually(() => expect(emails.map(mailsOf)).toEqual(Array(SIGN_UPS).fill(1)), {
    timeoutMs: 60_000,
    intervalMs: 250,
  });

  // The outbox of identity: one publish per sign-up, however both replicas' relays raced.
  const registered = [...monitor.domainEvents.values()].filter(
    (event) =>
      event.subject === `${DOMAIN_EVENTS_SUBJECT_PREFIX}.identity.user.registered` &&
      emails.some((email) => event.data.includes(email)),
  );
  expect(registered.map((event) => event.times)).toEqual(Array(SIGN_UPS).fill(1));

  // Notifications' two replicas share one consumer of the event, which handed each out once.
  const consumers = await durableConsumers(stack.nats.url);
  expect(consumers).toContainEqual(
    expect.objectContaining({ name: 'notifications_identity_user_registered', handedOutOnce: true }),
  );
  // Once more after a pause: a second handling would have written its email by now.
  await sleep(1000);
  expect(emails.map(mailsOf)).toEqual(Array(SIGN_UPS).fill(1));
});

it('an alert evaluated every 5 s: one evaluation per tick, each notification delivered once', async () => {
  const project = await call<{ id: string }>(gateway(0), 'POST', `/orgs/${orgId}/projects`, owner, {
    name: 'Alerting',
    kind: 'web2',
  });
  // Always firing and no cooldown: every evaluation is a notification, so the history counts them.
  const createdAt = Date.now();
  const created = await call<{ id: string }>(
    gateway(1),
    'POST',
    `/projects/${project.body.id}/alerts`,
    owner,
    {
      name: 'Every tick',
      metric: 'events',
      comparator: 'gte',
      threshold: 0,
      windowSeconds: 60,
      everySeconds: ALERT_EVERY_SECONDS,
      cooldownSeconds: 0,
      channels: [{ type: 'webhook', url: hookUrl }],
    },
  );
  expect({ status: created.status, body: created.body }).toMatchObject({ status: 201 });
  const alertId = created.body.id;
  alertIds.push(alertId);
  await eventually(() => expect(hooks.length).toBeGreaterThanOrEqual(ALERT_NOTIFICATIONS), {
    timeoutMs: (ALERT_NOTIFICATIONS + 4) * ALERT_EVERY_SECONDS * 1000,
    intervalMs: 200,
  });
  const disabled = await call(gateway(0), 'PATCH', `/alerts/${alertId}`, owner, { enabled: false });
  const disabledAt = Date.now();
  expect(disabled.status).toBe(200);

  interface Entry {
    id: string;
    kind: string;
    at: string;
    deliveries: unknown[];
  }
  const history = await eventually(
    async () => {
      const answer = await call<{ items: Entry[] }>(
        gateway(1),
        'GET',
        `/alerts/${alertId}/history?limit=100`,
        owner,
      );
      // Every notification's webhook has arrived (a delivery still queued when the alert was disabled
      // goes out all the same).
      expect(hooks.length).toBe(answer.body.items.length);
      return answer.body.items;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  // A second delivery of a job would come right behind the first: give it the time to.
  await sleep(2000);
  const ids = hooks.map((hook) => hook.headers['webhook-id']);
  console.log(
    `replicas: ${history.length} alert notifications at ${history.map((entry) => entry.at).join(', ')}; ` +
      `${hooks.length} webhooks; enabled for ${disabledAt - createdAt} ms`,
  );
  expect(hooks.length).toBe(history.length);
  expect(new Set(ids).size).toBe(hooks.length);
  for (const entry of history) {
    expect(entry.kind).toBe('firing');
    expect(entry.deliveries).toHaveLength(1);
  }
  // At most one evaluation per tick of the schedule (the first at once), and one to spare for a
  // boundary: an evaluation by each replica would make about twice as many. (Not the gaps between
  // them: on a busy machine a late job runs close to the next one.)
  const ticks = Math.floor((disabledAt - createdAt) / (ALERT_EVERY_SECONDS * 1000)) + 1;
  expect(history.length).toBeLessThanOrEqual(ticks + 1);
});

it('every bus request was answered once, every domain event published once and handled once per service', async () => {
  // A deleted project is an event that analytics, ingestion, keys and notifications each handle.
  const projects = await call<{ items: { id: string }[] }>(
    gateway(1),
    'GET',
    `/orgs/${orgId}/projects?limit=1`,
    owner,
  );
  const deleted = await call(gateway(0), 'DELETE', `/projects/${projects.body.items[0]?.id ?? ''}`, owner);
  expect(deleted.status).toBe(204);
  const consumers = await eventually(
    async () => {
      const now = await durableConsumers(stack.nats.url);
      const onDeletion = now.filter((consumer) => consumer.name.endsWith('_tenancy_project_deleted'));
      expect(onDeletion.map((consumer) => consumer.name).sort()).toEqual([
        'analytics_tenancy_project_deleted',
        'ingestion_tenancy_project_deleted',
        'keys_tenancy_project_deleted',
        'notifications_tenancy_project_deleted',
      ]);
      for (const consumer of onDeletion) expect(consumer.delivered).toBeGreaterThanOrEqual(1);
      return now;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  console.log(`replicas: durable consumers ${JSON.stringify(consumers)}`);
  expect(consumers.filter((consumer) => !consumer.handedOutOnce)).toEqual([]);
  // Let the last replies and relays arrive.
  await sleep(1000);
  const { bySubject, notOnce } = monitor.answers();
  console.log(`replicas: bus requests by subject ${JSON.stringify(bySubject)}`);
  expect(notOnce).toEqual({});
  expect(bySubject['tenancy.project.create']).toBe(PROJECTS + 2);
  const publishedTwice = [...monitor.domainEvents].filter(([, event]) => event.times !== 1);
  expect(publishedTwice).toEqual([]);
  expect(monitor.domainEvents.size).toBeGreaterThanOrEqual(SIGN_UPS + 1);

  // No service replica sat idle through all of it (a replica outside its queue group would too).
  const idle: string[] = [];
  for (const service of REPLICATED_SERVICES) {
    for (const replica of stack.services[service]) {
      const handled = await readMetric(replica.opsUrl, 'northstar_bus_messages_handled_seconds_count');
      if (handled === 0) idle.push(replica.name);
    }
  }
  console.log(`replicas: replicas that handled no bus message: ${idle.join(', ') || 'none'}`);
});

it('the bus monitor is not blind: it sees a request answered twice and an event published twice', async () => {
  // What the suite would meet if replicas left their queue group, or an outbox row went out twice.
  const probe = await BusMonitor.start(stack.nats.url);
  const connection = await connect({ servers: stack.nats.url, name: 'replicas-e2e-probe' });
  try {
    const subject = 'identity.replicas-e2e.probe';
    for (let n = 0; n < 2; n++)
      connection.subscribe(subject, { callback: (_, message) => message.respond() });
    await connection.flush();
    await connection.request(subject);
    const js = connection.jetstream();
    const event = `${DOMAIN_EVENTS_SUBJECT_PREFIX}.identity.replicas-e2e.probe`;
    await js.publish(event, undefined, { msgID: 'replicas-e2e-probe' });
    await js.publish(event, undefined, { msgID: 'replicas-e2e-probe' });
    await eventually(() => {
      expect(probe.answers().notOnce).toEqual({ [subject]: [2] });
      expect(probe.domainEvents.get('replicas-e2e-probe')?.times).toBe(2);
    });
  } finally {
    await connection.close();
    await probe.close();
  }
});
