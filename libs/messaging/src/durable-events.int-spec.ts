import { Global, Injectable, Module, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  DeadLetterHeaders,
  DOMAIN_EVENTS_DLQ_STREAM,
  domainDeadLetterSubject,
  type DurableEventSubject,
} from '@northstar/contracts';
import {
  currentRequestId,
  MetricsService,
  ReadinessService,
  runWithRequestContext,
} from '@northstar/observability';
import { IsInt } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, headers, JSONCodec, type NatsConnection, type StoredMsg } from 'nats';
import { BusSigner, CALLER_HEADER } from './caller-assertion';
import {
  DOMAIN_EVENTS_STREAM,
  DurableEventHandler,
  DurableEventPublisher,
  durableConsumerName,
} from './durable-events';
import { MessagingModule, NATS_CONNECTION, type MessagingOptions } from './messaging.module';
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

/** The payload of the test events, validated like a contract's. */
class Probe {
  @IsInt()
  n!: number;
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
  await jsm.streams
    .purge(DOMAIN_EVENTS_DLQ_STREAM, { filter: `domain_dlq.*.test.durable-${run}.>` })
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

/** What a service's runtime gives every module: its readiness checks and metrics. */
@Global()
@Module({ providers: [ReadinessService, MetricsService], exports: [ReadinessService, MetricsService] })
class RuntimeModule {}

/**
 * One replica of `service`: its own NATS connection, its listeners consuming once started. With
 * `durableEvents`, its own retry settings.
 */
async function startReplica(
  service: string,
  ...args: (Type<unknown> | Pick<MessagingOptions, 'durableEvents'>)[]
): Promise<TestingModule> {
  const listeners = args.filter((arg): arg is Type<unknown> => typeof arg === 'function');
  const settings = args.find((arg) => typeof arg !== 'function') as
    Pick<MessagingOptions, 'durableEvents'> | undefined;
  @Module({
    imports: [
      RuntimeModule,
      MessagingModule.forRoot({
        natsUrl: NATS_URL,
        clientName: service,
        requestTimeoutMs: 2000,
        signingKey: SIGNING_KEY,
        ...settings,
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

const publish = (subject: DurableEventSubject, probe: Probe | object) =>
  // The private test subjects are outside the contract's subject → payload map.
  publisher.publish(subject, probe as never);

/** The last dead letter of `service`'s listener of `subject`, once there is one. */
async function deadLetterOf(service: string, subject: DurableEventSubject): Promise<StoredMsg> {
  const jsm = await connection.jetstreamManager();
  let found: StoredMsg | undefined;
  await until(async () => {
    found = await jsm.streams.getMessage(DOMAIN_EVENTS_DLQ_STREAM, {
      last_by_subj: domainDeadLetterSubject(service, subject),
    });
  });
  return found as StoredMsg;
}

/** The value of the dead-letter counter of `app` for `subject` and `reason`. */
async function deadLetterCount(app: TestingModule, subject: string, reason: string): Promise<number> {
  const metric = await app
    .get(MetricsService)
    .registry.getSingleMetric('northstar_durable_event_dead_letters_total')
    ?.get();
  return (
    metric?.values.find((v) => v.labels['subject'] === subject && v.labels['reason'] === reason)?.value ?? 0
  );
}

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
    // Unlimited on the server: the listener counts deliveries and dead-letters, JetStream never drops.
    expect(info.config.max_deliver).toBe(-1);
    expect(info.config.ack_wait).toBe(30_000 * 1e6);
  });

  it('dead-letters an invalid event without calling the handler, and handles the valid ones around it', async () => {
    const subject = subjectOf('invalid');
    const service = serviceOf('invalid');
    track(service, subject);
    const received: Probe[] = [];
    const app = await startReplica(
      service,
      listenerOf(subject, (payload) => received.push(payload)),
    );

    await publish(subject, { n: 1 });
    await publish(subject, { n: 'two' });
    await publish(subject, { n: 3 });

    await until(() => expect(received).toEqual([{ n: 1 }, { n: 3 }]));
    await untilConsumed(service, subject);
    expect(received).toEqual([{ n: 1 }, { n: 3 }]);
    // The handler got instances of its payload class.
    expect(received.every((payload) => payload instanceof Probe)).toBe(true);
    const letter = await deadLetterOf(service, subject);
    expect(JSONCodec().decode(letter.data)).toEqual({ n: 'two' });
    expect(letter.header.get(DeadLetterHeaders.reason)).toMatch(/^invalid payload: n: n must be an integer/);
    expect(letter.header.get(DeadLetterHeaders.consumer)).toBe(durableConsumerName(service, subject));
    expect(letter.header.get(DeadLetterHeaders.originalSubject)).toBe(`domain.${subject}`);
    expect(letter.header.get(DeadLetterHeaders.deliveries)).toBe('1');
    // Its original caller assertion: republished on its original subject, it would be accepted again.
    expect(letter.header.get(CALLER_HEADER)).toMatch(/^v1\.durable-events-int-spec\./);
    expect(await deadLetterCount(app, subject, 'invalid')).toBe(1);
  });

  it('dead-letters an event whose handler keeps failing, with the reason, after the last delivery', async () => {
    const subject = subjectOf('failing');
    const service = serviceOf('failing');
    track(service, subject);
    let attempts = 0;
    const app = await startReplica(
      service,
      listenerOf(subject, () => {
        attempts += 1;
        throw new Error('the database is away');
      }),
      { durableEvents: { maxDeliveries: 3, retryBackoff: { firstMs: 50, maxMs: 100 } } },
    );

    await publish(subject, { n: 9 });

    const letter = await deadLetterOf(service, subject);
    await untilConsumed(service, subject);
    expect(attempts).toBe(3);
    expect(JSONCodec().decode(letter.data)).toEqual({ n: 9 });
    expect(letter.header.get(DeadLetterHeaders.reason)).toBe(
      'Listener.onEvent failed 3 times, last: the database is away',
    );
    expect(letter.header.get(DeadLetterHeaders.deliveries)).toBe('3');
    expect(letter.header.get(DeadLetterHeaders.consumer)).toBe(durableConsumerName(service, subject));
    expect(await deadLetterCount(app, subject, 'max_deliveries')).toBe(1);
    // Terminated, not dropped silently nor redelivered: no further attempt comes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toBe(3);
  });

  it('fails readiness once a consume loop has stopped while the service runs', async () => {
    const subject = subjectOf('stopped');
    const service = serviceOf('stopped');
    track(service, subject);
    const app = await startReplica(
      service,
      listenerOf(subject, () => undefined),
    );
    const readiness = app.get(ReadinessService);
    expect((await readiness.report()).checks['durable-events']).toMatchObject({ status: 'up' });

    // The connection is gone for good (closed under the service): the loop ends.
    await app.get<NatsConnection>(NATS_CONNECTION).close();

    await until(async () =>
      expect((await readiness.report()).checks['durable-events']).toMatchObject({
        status: 'down',
        error: expect.stringContaining(`stopped consuming ${subject}`),
      }),
    );
  });

  it('dead-letters a signed event that is not JSON', async () => {
    const subject = subjectOf('not-json');
    const service = serviceOf('not-json');
    track(service, subject);
    const received: Probe[] = [];
    await startReplica(
      service,
      listenerOf(subject, (payload) => received.push(payload)),
    );
    const data = new TextEncoder().encode('{"n": 1,');
    const signed = headers();
    signed.set(
      CALLER_HEADER,
      new BusSigner(SIGNING_KEY, 'tenancy').sign('durable', `domain.${subject}`, data),
    );

    await connection.jetstream().publish(`domain.${subject}`, data, { headers: signed });
    await publish(subject, { n: 2 });

    await until(() => expect(received).toEqual([{ n: 2 }]));
    const letter = await deadLetterOf(service, subject);
    expect(new TextDecoder().decode(letter.data)).toBe('{"n": 1,');
    expect(letter.header.get(DeadLetterHeaders.reason)).toMatch(/^not JSON/);
  });

  it('refuses to start a listener of an event without a payload class', async () => {
    const subject = subjectOf('untyped');
    @Injectable()
    class Untyped {
      @DurableEventHandler(subject)
      onEvent(payload: { n: number }): unknown {
        return payload;
      }
    }
    const app = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          natsUrl: NATS_URL,
          clientName: serviceOf('untyped'),
          requestTimeoutMs: 2000,
          signingKey: SIGNING_KEY,
        }),
      ],
      providers: [Untyped],
    }).compile();
    app.useLogger(false);
    try {
      await expect(app.init()).rejects.toThrow(
        /Untyped\.onEvent handles test\.durable-.*\.untyped, which has no payload class/,
      );
    } finally {
      await app.get<NatsConnection>(NATS_CONNECTION).close();
    }
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
