import { Injectable, Module, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { DurableEventSubject } from '@northstar/contracts';
import { currentRequestId, runWithRequestContext } from '@northstar/observability';
import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, headers, JSONCodec, type NatsConnection } from 'nats';
import { BusSigner, CALLER_HEADER } from './caller-assertion';
import {
  DOMAIN_EVENTS_STREAM,
  DurableEventHandler,
  DurableEventPublisher,
  durableConsumerName,
  MAX_DELIVERIES,
} from './durable-events';
import { MessagingModule, NATS_CONNECTION } from './messaging.module';
import { connectNats } from './nats-connection';

// Listeners built like a service's (MessagingModule + a provider with @DurableEventHandler), on
// subjects and service names private to this run, so that no other consumer of the stream sees the
// events and no earlier run's consumer is reused. (This lib cannot use @northstar/testing, which is
// built on it.)
const NATS_URL = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';
const run = randomUUID().slice(0, 8);
const subjectOf = (name: string) => `test.durable-${run}.${name}` as DurableEventSubject;
const serviceOf = (name: string) => `durable-${run}-${name}`;
// The development key, as every process of `npm start` and the tests uses it.
const SIGNING_KEY = 'northstar-development-bus-signing-key-not-secret';

interface Probe {
  n: number;
}

let connection: NatsConnection;
let publisher: DurableEventPublisher;
const consumers: { service: string; subject: string }[] = [];
const running = new Set<TestingModule>();

beforeAll(async () => {
  connection = await connectNats(NATS_URL, 'durable-events-int-spec');
  publisher = new DurableEventPublisher({
    service: 'durable-events-int-spec',
    connection,
    signer: new BusSigner(SIGNING_KEY, 'durable-events-int-spec'),
  });
});

afterAll(async () => {
  for (const app of running) await app.close();
  if (!connection) return;
  const jsm = await connection.jetstreamManager();
  for (const { service, subject } of consumers) {
    await jsm.consumers
      .delete(DOMAIN_EVENTS_STREAM, durableConsumerName(service, subject))
      .catch(() => false);
  }
  await jsm.streams
    .purge(DOMAIN_EVENTS_STREAM, { filter: `domain.test.durable-${run}.>` })
    .catch(() => undefined);
  await connection.drain();
});

/** A provider listening to one event, as a service declares it. */
function listenerOf(subject: DurableEventSubject, handle: (payload: Probe) => unknown): Type<unknown> {
  @Injectable()
  class Listener {
    @DurableEventHandler(subject)
    onEvent(payload: Probe): unknown {
      return handle(payload);
    }
  }
  return Listener;
}

/** One replica of `service`: its own NATS connection, its listeners consuming once started. */
async function startReplica(service: string, ...listeners: Type<unknown>[]): Promise<TestingModule> {
  @Module({
    imports: [
      MessagingModule.forRoot({
        natsUrl: NATS_URL,
        clientName: service,
        requestTimeoutMs: 2000,
        signingKey: SIGNING_KEY,
      }),
    ],
    providers: listeners,
  })
  class ReplicaModule {}
  const app = await Test.createTestingModule({ imports: [ReplicaModule] }).compile();
  app.useLogger(['error']);
  running.add(app);
  await app.init();
  return app;
}

async function stop(app: TestingModule): Promise<void> {
  running.delete(app);
  await app.close();
}

function track(service: string, subject: DurableEventSubject): void {
  consumers.push({ service, subject });
}

/** Retries until the assertion holds (the events travel asynchronously). */
async function until(assertion: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Resolves once the consumer has no event left to deliver or awaiting acknowledgement. */
async function untilConsumed(service: string, subject: DurableEventSubject): Promise<void> {
  const jsm = await connection.jetstreamManager();
  await until(async () => {
    const info = await jsm.consumers.info(DOMAIN_EVENTS_STREAM, durableConsumerName(service, subject));
    expect({ pending: info.num_pending, unacknowledged: info.num_ack_pending }).toEqual({
      pending: 0,
      unacknowledged: 0,
    });
  });
}

const publish = (subject: DurableEventSubject, probe: Probe) =>
  // The private test subjects are outside the contract's subject → payload map.
  publisher.publish(subject, probe as never);

describe('durable domain events', () => {
  it('delivers an event published while no replica of the listening service runs, once it starts', async () => {
    const subject = subjectOf('offline');
    const service = serviceOf('offline');
    track(service, subject);
    const received: Probe[] = [];
    const listener = listenerOf(subject, (payload) => received.push(payload));

    // The service ran once (its consumer exists), then stopped: the event arrives while it is down.
    await stop(await startReplica(service, listener));
    await publish(subject, { n: 1 });
    expect(received).toEqual([]);

    await startReplica(service, listener);
    await until(() => expect(received).toEqual([{ n: 1 }]));
  });

  it('delivers an event published before the listening service first started', async () => {
    const subject = subjectOf('before-first-start');
    const service = serviceOf('before-first-start');
    track(service, subject);
    await publish(subject, { n: 7 });
    const received: Probe[] = [];
    await startReplica(
      service,
      listenerOf(subject, (payload) => received.push(payload)),
    );
    await until(() => expect(received).toEqual([{ n: 7 }]));
  });

  it('drops an event that no platform process signed, and handles the signed ones around it', async () => {
    const subject = subjectOf('forged');
    const service = serviceOf('forged');
    track(service, subject);
    const received: Probe[] = [];
    await startReplica(
      service,
      listenerOf(subject, (payload) => received.push(payload)),
    );
    const js = connection.jetstream();
    const data = JSONCodec().encode({ n: 2 });
    // Any NATS client may publish on the stream's subjects: one without the key, one with another key.
    await js.publish(`domain.${subject}`, data);
    const forged = headers();
    forged.set(
      CALLER_HEADER,
      new BusSigner('a-key-that-is-not-the-platforms-own-key', 'tenancy').sign(
        'durable',
        `domain.${subject}`,
        data,
      ),
    );
    await js.publish(`domain.${subject}`, data, { headers: forged });
    await publish(subject, { n: 1 });
    await publish(subject, { n: 3 });

    await until(() => expect(received).toEqual([{ n: 1 }, { n: 3 }]));
    await untilConsumed(service, subject);
    expect(received).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('gives an event whose handler throws to the handler again, until it succeeds', async () => {
    const subject = subjectOf('flaky');
    const service = serviceOf('flaky');
    track(service, subject);
    let attempts = 0;
    const handled: Probe[] = [];
    await startReplica(
      service,
      listenerOf(subject, (payload) => {
        attempts += 1;
        if (attempts < 3) throw new Error('the database is away');
        handled.push(payload);
      }),
    );

    await publish(subject, { n: 42 });

    await until(() => expect(handled).toEqual([{ n: 42 }]), 20_000);
    await untilConsumed(service, subject);
    expect(attempts).toBe(3);
  });

  it('shares the events between two replicas of one service: each event is handled once', async () => {
    const subject = subjectOf('shared');
    const service = serviceOf('shared');
    track(service, subject);
    const handledBy = { a: [] as number[], b: [] as number[] };
    await startReplica(
      service,
      listenerOf(subject, (payload) => handledBy.a.push(payload.n)),
    );
    await startReplica(
      service,
      listenerOf(subject, (payload) => handledBy.b.push(payload.n)),
    );
    const sent = Array.from({ length: 30 }, (_, n) => n);

    await Promise.all(sent.map((n) => publish(subject, { n })));

    const all = () => [...handledBy.a, ...handledBy.b].sort((x, y) => x - y);
    await until(() => expect(new Set(all()).size).toBe(sent.length));
    await untilConsumed(service, subject);
    expect(all()).toEqual(sent);
  });

  it('keeps separate services separate: each gets every event', async () => {
    const subject = subjectOf('fan-out');
    const [first, second] = [serviceOf('fan-out-1'), serviceOf('fan-out-2')];
    track(first, subject);
    track(second, subject);
    const received = { first: [] as Probe[], second: [] as Probe[] };
    await startReplica(
      first,
      listenerOf(subject, (payload) => received.first.push(payload)),
    );
    await startReplica(
      second,
      listenerOf(subject, (payload) => received.second.push(payload)),
    );

    await publish(subject, { n: 3 });

    await until(() => expect(received).toEqual({ first: [{ n: 3 }], second: [{ n: 3 }] }));
  });

  it("runs the handler with the publisher's request id", async () => {
    const subject = subjectOf('request-id');
    const service = serviceOf('request-id');
    track(service, subject);
    const seen = new Map<number, string | undefined>();
    await startReplica(
      service,
      listenerOf(subject, (payload) => seen.set(payload.n, currentRequestId())),
    );
    const requestId = `req-durable-${run}`;

    await runWithRequestContext({ requestId }, () => publish(subject, { n: 1 }));
    await publish(subject, { n: 2 });

    await until(() => expect(seen.size).toBe(2));
    expect(seen.get(1)).toBe(requestId);
    // Published outside any request: the publisher gave it a fresh id, so its logs still correlate.
    expect(seen.get(2)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('drops a malformed event without holding back the ones after it', async () => {
    const subject = subjectOf('malformed');
    const service = serviceOf('malformed');
    track(service, subject);
    const received: Probe[] = [];
    await startReplica(
      service,
      listenerOf(subject, (payload) => received.push(payload)),
    );

    await connection.jetstream().publish(`domain.${subject}`, new TextEncoder().encode('{"n": 1,'));
    await publish(subject, { n: 2 });

    await until(() => expect(received).toEqual([{ n: 2 }]));
    await untilConsumed(service, subject);
    expect(received).toEqual([{ n: 2 }]);
  });

  it('brings the retry settings of a consumer created by an older release up to date', async () => {
    const subject = subjectOf('upgraded');
    const service = serviceOf('upgraded');
    track(service, subject);
    const jsm = await connection.jetstreamManager();
    await jsm.consumers.add(DOMAIN_EVENTS_STREAM, {
      durable_name: durableConsumerName(service, subject),
      filter_subject: `domain.${subject}`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_deliver: 3,
    });
    const received: Probe[] = [];
    await publish(subject, { n: 5 });

    await startReplica(
      service,
      listenerOf(subject, (payload) => received.push(payload)),
    );

    await until(() => expect(received).toEqual([{ n: 5 }]));
    const info = await jsm.consumers.info(DOMAIN_EVENTS_STREAM, durableConsumerName(service, subject));
    expect(info.config.max_deliver).toBe(MAX_DELIVERIES);
  });

  it('refuses to start a service with two handlers of one event', async () => {
    const subject = subjectOf('twice');
    const noop = () => undefined;
    const app = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          natsUrl: NATS_URL,
          clientName: serviceOf('twice'),
          requestTimeoutMs: 2000,
          signingKey: SIGNING_KEY,
        }),
      ],
      providers: [listenerOf(subject, noop), listenerOf(subject, noop)],
    }).compile();
    app.useLogger(false);
    try {
      await expect(app.init()).rejects.toThrow(/Two durable event handlers for test\.durable-.*\.twice/);
    } finally {
      // Nest cannot close a context whose start failed: release its connection by hand.
      await app.get<NatsConnection>(NATS_CONNECTION).close();
    }
  });
});
