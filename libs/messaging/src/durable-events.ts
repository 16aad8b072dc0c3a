import {
  Inject,
  Injectable,
  Logger,
  Optional,
  SetMetadata,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  DeadLetterHeaders,
  DOMAIN_EVENTS_DLQ_STREAM,
  DOMAIN_EVENTS_DLQ_SUBJECT_PREFIX,
  DOMAIN_EVENTS_STREAM,
  DOMAIN_EVENTS_SUBJECT_PREFIX,
  domainDeadLetterSubject,
  domainEventSubject,
  DURABLE_EVENT_PAYLOADS,
  type DurableEventPayload,
  type DurableEventSubject,
  type FieldError,
} from '@northstar/contracts';
import {
  currentRequestId,
  MetricsService,
  ReadinessService,
  REQUEST_ID_HEADER,
  runWithRequestContext,
  sanitizeRequestId,
} from '@northstar/observability';
import { randomUUID } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  headers,
  JSONCodec,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import { Counter } from 'prom-client';
import { CALLER_HEADER, CallerAssertionError, type BusSigner } from './caller-assertion';
import { ensureDurableConsumer, ensureStream } from './jetstream';
import { validateContract } from './validation';

export { DOMAIN_EVENTS_STREAM, DOMAIN_EVENTS_DLQ_STREAM } from '@northstar/contracts';

const DAY_NS = 24 * 3600 * 1e9;
const NS_PER_MS = 1e6;

/**
 * A failing handler gets the event again after 1 s, 2 s, 4 s ... capped at 5 minutes: 20 deliveries
 * span about an hour, so an outage of a handler's own dependency (Redis, PostgreSQL) shorter than
 * that delays the event without losing it. After that it is dead-lettered.
 */
export const MAX_DELIVERIES = 20;
export interface RetryBackoff {
  firstMs: number;
  maxMs: number;
}
export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { firstMs: 1000, maxMs: 5 * 60_000 };
const ACK_WAIT_MS = 30_000;
const MAX_REASON_LENGTH = 1000;

/** How long a failed delivery waits before the next one (`deliveryCount` starts at 1). */
export function retryDelayMs(deliveryCount: number, backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, deliveryCount - 1));
}

/** The durable consumer of one service for one event; its replicas share it. */
export function durableConsumerName(service: string, subject: string): string {
  return `${service}_${subject.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export const DURABLE_EVENTS_OPTIONS = Symbol('DURABLE_EVENTS_OPTIONS');
export interface DurableEventsOptions {
  /** Names the durable consumers: replicas of one service share them. */
  service: string;
  connection: NatsConnection;
  /** Signs published events; a consumed event without a valid signature is dropped. */
  signer: BusSigner;
  /** Deliveries of an event whose handler fails before it is dead-lettered (MAX_DELIVERIES). */
  maxDeliveries?: number;
  /** The wait before each redelivery (DEFAULT_RETRY_BACKOFF). */
  retryBackoff?: RetryBackoff;
  /** JetStream replicas of DOMAIN_EVENTS and its dead letters when this process creates them (1). */
  streamReplicas?: number;
}

const HANDLER_METADATA = 'northstar:durable-event';
const codec = JSONCodec();

/**
 * Marks a provider or controller method as the listener of a durable domain event. Its payload is
 * validated against the event's contract class (DURABLE_EVENT_PAYLOADS) before the method is called.
 */
export const DurableEventHandler = (subject: DurableEventSubject): MethodDecorator =>
  SetMetadata(HANDLER_METADATA, subject);

/**
 * Domain events that must not be lost (an email to send, a project's data to delete) go through
 * JetStream rather than core NATS: the publisher waits for the stream's acknowledgement, and each
 * listening service has a durable consumer per event, so an event published while the listener is
 * down is delivered when it comes back. Handlers must be idempotent: delivery is at least once.
 */
const DOMAIN_EVENTS_CONFIG: Partial<StreamConfig> = {
  name: DOMAIN_EVENTS_STREAM,
  subjects: [`${DOMAIN_EVENTS_SUBJECT_PREFIX}.>`],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  max_age: 7 * DAY_NS,
  duplicate_window: 2 * 60 * 1e9,
};

// Kept a month for inspection and replay: republishing a dead letter's body with its original
// headers on its Northstar-Original-Subject delivers it again, to every listener of the event (the
// caller assertion still holds, and handlers are idempotent).
const DOMAIN_EVENTS_DLQ_CONFIG: Partial<StreamConfig> = {
  name: DOMAIN_EVENTS_DLQ_STREAM,
  description: 'Durable domain events a listener gave up on, with the reason in their headers',
  subjects: [`${DOMAIN_EVENTS_DLQ_SUBJECT_PREFIX}.>`],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  max_age: 30 * DAY_NS,
  duplicate_window: 2 * 60 * 1e9,
};

/** DOMAIN_EVENTS and DOMAIN_EVENTS_DLQ with `replicas` replicas (NATS_STREAM_REPLICAS). */
export function domainEventStreamConfigs(replicas = 1): [Partial<StreamConfig>, Partial<StreamConfig>] {
  return [
    { ...DOMAIN_EVENTS_CONFIG, num_replicas: replicas },
    { ...DOMAIN_EVENTS_DLQ_CONFIG, num_replicas: replicas },
  ];
}

export async function ensureDomainEventsStream(jsm: JetStreamManager, replicas = 1): Promise<void> {
  await ensureStream(jsm, domainEventStreamConfigs(replicas)[0]);
}

/**
 * Creates both domain event streams, or brings existing ones to the current settings (their replicas
 * after NATS_STREAM_REPLICAS changed): ingestion's migrate step runs it, as the NATS user that may
 * manage streams. A serving process only creates a missing stream, with the same settings.
 */
export async function migrateDomainEventStreams(jsm: JetStreamManager, replicas: number): Promise<void> {
  for (const config of domainEventStreamConfigs(replicas)) await ensureStream(jsm, config, { update: true });
}

/** Publishes durable domain events; resolves once JetStream has stored the event. */
@Injectable()
export class DurableEventPublisher {
  private ready?: Promise<JetStreamClient>;

  constructor(@Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions) {}

  async publish<E extends DurableEventSubject>(
    subject: E,
    payload: DurableEventPayload<E>,
    options: { id?: string } = {},
  ): Promise<void> {
    const js = await this.jetStream();
    const h = headers();
    h.set(REQUEST_ID_HEADER, currentRequestId() ?? randomUUID());
    const streamSubject = domainEventSubject(subject);
    const data = codec.encode(payload);
    h.set(CALLER_HEADER, this.options.signer.sign('durable', streamSubject, data));
    await js.publish(streamSubject, data, {
      headers: h,
      // With an id, a retried publish inside the duplicate window is stored once.
      ...(options.id ? { msgID: options.id } : {}),
    });
  }

  private jetStream(): Promise<JetStreamClient> {
    this.ready ??= (async () => {
      const connection = this.options.connection;
      await ensureDomainEventsStream(await connection.jetstreamManager(), this.options.streamReplicas);
      return connection.jetstream();
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}

interface Listener {
  subject: string;
  /** Class and method, for error messages. */
  name: string;
  /** The durable consumer: the service's, for this event. */
  durable: string;
  payload: new () => object;
  handle: (payload: object) => Promise<unknown>;
}

type DeadLetterKind = 'invalid' | 'max_deliveries';

/**
 * Finds every @DurableEventHandler at start-up and consumes its event with a durable pull consumer
 * named after the service and the event. An event that is not JSON or does not validate against its
 * contract class is dead-lettered at once; a handler that throws gets the event again with a growing
 * delay (retryDelayMs), and after maxDeliveries the event is dead-lettered: stored on
 * `domain_dlq.<service>.<event>` (stream DOMAIN_EVENTS_DLQ) with the reason in its headers, then
 * terminated. A consume loop that stops while the service runs fails its readiness.
 */
@Injectable()
export class DurableEventConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DurableEvents');
  private readonly running: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  /** Why each event whose consume loop ended is no longer consumed. */
  private readonly stopped = new Map<string, string>();
  private readonly maxDeliveries: number;
  private readonly backoff: RetryBackoff;
  private readonly deadLetters?: Counter<'subject' | 'reason'>;
  private js?: JetStreamClient;
  private stopping = false;

  constructor(
    @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    // A service's (ServiceRuntimeModule): absent from the gateway, which listens to no durable event.
    @Optional() private readonly readiness?: ReadinessService,
    @Optional() metrics?: MetricsService,
  ) {
    this.maxDeliveries = options.maxDeliveries ?? MAX_DELIVERIES;
    this.backoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    if (metrics) {
      this.deadLetters = new Counter({
        name: 'northstar_durable_event_dead_letters_total',
        help: 'Durable domain events this service dead-lettered, by event subject and reason',
        labelNames: ['subject', 'reason'] as const,
        registers: [metrics.registry],
      });
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const listeners = this.findListeners();
    if (listeners.length === 0) return;
    this.readiness?.register('durable-events', () => this.checkRunning());
    const connection = this.options.connection;
    const jsm = await connection.jetstreamManager();
    const [events, deadLetters] = domainEventStreamConfigs(this.options.streamReplicas);
    await ensureStream(jsm, events);
    await ensureStream(jsm, deadLetters);
    const js = connection.jetstream();
    this.js = js;
    for (const listener of listeners) {
      await ensureDurableConsumer(jsm, DOMAIN_EVENTS_STREAM, {
        durable_name: listener.durable,
        filter_subject: domainEventSubject(listener.subject),
        ack_policy: AckPolicy.Explicit,
        // A consumer created after the first events were published still gets them.
        deliver_policy: DeliverPolicy.All,
        ack_wait: ACK_WAIT_MS * NS_PER_MS,
        // Unlimited: this class counts deliveries and dead-letters, rather than JetStream silently
        // giving up on an event (as when storing its dead letter failed at the last delivery).
        max_deliver: -1,
      });
      const consumer = await js.consumers.get(DOMAIN_EVENTS_STREAM, listener.durable);
      const messages = await consumer.consume({ max_messages: 64 });
      this.running.push(messages);
      this.loops.push(this.run(listener, messages));
    }
  }

  // Before the connection is drained (MessagingModule does that on shutdown): the handler of an
  // event in progress finishes and acknowledges it.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const messages of this.running) await messages.close().catch(() => undefined);
    await Promise.allSettled(this.loops);
  }

  private checkRunning(): Promise<string> {
    if (this.stopped.size === 0) return Promise.resolve('consuming');
    const why = [...this.stopped].map(([subject, reason]) => `${subject}: ${reason}`).join('; ');
    return Promise.reject(new Error(`stopped consuming ${why}`));
  }

  private async run(listener: Listener, messages: ConsumerMessages): Promise<void> {
    const consumeAll = async (): Promise<string> => {
      for await (const message of messages) await this.deliver(listener, message);
      return 'the consumer closed';
    };
    // The client's iterator waits on a closed connection rather than ending: no event can come then.
    const connectionClosed = this.options.connection
      .closed()
      .then((error) => `the NATS connection closed${error ? `: ${error.message}` : ''}`);
    let reason: string;
    try {
      reason = await Promise.race([consumeAll(), connectionClosed]);
    } catch (error) {
      // Unhandled, the rejection would end the process; recorded, it fails readiness and says why.
      reason = describe(error);
    }
    if (this.stopping) return;
    this.stopped.set(listener.subject, reason);
    this.logger.error(`Stopped consuming ${listener.subject}: ${reason}`);
  }

  private async deliver(listener: Listener, message: JsMsg): Promise<void> {
    const requestId = sanitizeRequestId(message.headers?.get(REQUEST_ID_HEADER));
    await runWithRequestContext({ requestId }, async () => {
      try {
        this.options.signer.verify(
          'durable',
          message.headers?.get(CALLER_HEADER),
          message.subject,
          message.data,
        );
      } catch (error) {
        if (!(error instanceof CallerAssertionError)) throw error;
        // Not published by a platform process: acting on it, or keeping it, would let any NATS
        // client trigger a handler or fill the dead letters.
        this.logger.error(`Dropping an unsigned or forged ${listener.subject} event: ${error.message}`);
        message.term();
        return;
      }
      let decoded: unknown;
      try {
        decoded = codec.decode(message.data);
      } catch (error) {
        // Retrying cannot fix malformed JSON.
        await this.deadLetter(listener, message, 'invalid', `not JSON: ${describe(error)}`);
        return;
      }
      const validated = await validateContract(listener.payload, decoded);
      if ('errors' in validated) {
        await this.deadLetter(listener, message, 'invalid', `invalid payload: ${reasonOf(validated.errors)}`);
        return;
      }
      const attempt = message.info.deliveryCount;
      if (attempt > this.maxDeliveries) {
        // The handler crashed or hung past the ack wait, or storing the dead letter failed.
        const reason = `delivered ${attempt - 1} times without being handled`;
        await this.deadLetter(listener, message, 'max_deliveries', reason);
        return;
      }
      try {
        await listener.handle(validated.value);
        message.ack();
      } catch (error) {
        if (attempt >= this.maxDeliveries) {
          const reason = `${listener.name} failed ${attempt} times, last: ${describe(error)}`;
          await this.deadLetter(listener, message, 'max_deliveries', reason);
          return;
        }
        this.logger.warn(
          `${listener.name} failed on ${listener.subject} (attempt ${attempt} of ${this.maxDeliveries}), ` +
            `retrying: ${describe(error)}`,
        );
        message.nak(retryDelayMs(attempt, this.backoff));
      }
    });
  }

  /**
   * Stores the event on the service's dead-letter subject, its body and original headers (the caller
   * assertion among them, so a replay is accepted) with the reason added, then terminates it. When
   * that fails the event comes again later rather than being lost.
   */
  private async deadLetter(
    listener: Listener,
    message: JsMsg,
    kind: DeadLetterKind,
    reason: string,
  ): Promise<void> {
    const h = headers();
    for (const key of message.headers?.keys() ?? []) {
      // JetStream's own (Nats-Msg-Id, ...) would make the dead letter a duplicate of another.
      if (key.toLowerCase().startsWith('nats-')) continue;
      for (const value of message.headers?.values(key) ?? []) h.append(key, value);
    }
    // Headers are single-line: newlines would end the header block.
    h.set(DeadLetterHeaders.reason, reason.replace(/[\r\n]+/g, ' ').slice(0, MAX_REASON_LENGTH));
    h.set(DeadLetterHeaders.consumer, listener.durable);
    h.set(DeadLetterHeaders.originalSubject, message.subject);
    h.set(DeadLetterHeaders.originalSequence, String(message.info.streamSequence));
    h.set(DeadLetterHeaders.deliveries, String(message.info.deliveryCount));
    h.set(DeadLetterHeaders.failedAt, new Date().toISOString());
    try {
      await this.jetStream().publish(
        domainDeadLetterSubject(this.options.service, listener.subject),
        message.data,
        {
          headers: h,
          // Stored once even if this consumer dead-letters the same delivery twice.
          msgID: `dlq:${listener.durable}:${message.info.streamSequence}`,
          expect: { streamName: DOMAIN_EVENTS_DLQ_STREAM },
        },
      );
    } catch (error) {
      this.logger.error(
        `Could not dead-letter ${listener.subject} event ${message.info.streamSequence}, ` +
          `retrying later: ${describe(error)}`,
      );
      message.nak(retryDelayMs(message.info.deliveryCount, this.backoff));
      return;
    }
    message.term();
    this.deadLetters?.inc({ subject: listener.subject, reason: kind });
    this.logger.error(`Dead-lettered ${listener.subject} event ${message.info.streamSequence}: ${reason}`);
  }

  private jetStream(): JetStreamClient {
    this.js ??= this.options.connection.jetstream();
    return this.js;
  }

  private findListeners(): Listener[] {
    const listeners: Listener[] = [];
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const subject = this.reflector.get<string | undefined>(HANDLER_METADATA, fn as () => void);
        if (!subject) continue;
        const name = `${prototype.constructor.name}.${method}`;
        // Two handlers would share one durable consumer, each seeing about half of the events.
        const other = listeners.find((listener) => listener.subject === subject);
        if (other) {
          throw new Error(`Two durable event handlers for ${subject}: ${other.name} and ${name}`);
        }
        listeners.push({
          subject,
          name,
          durable: durableConsumerName(this.options.service, subject),
          payload: payloadClassOf(subject, prototype, method, name),
          handle: (payload) => Promise.resolve((fn as (p: unknown) => unknown).call(instance, payload)),
        });
      }
    }
    return listeners;
  }
}

/**
 * The class an event's payload must validate against: its contract's, else (an event outside the
 * contract, as in tests) the class the handler declares for its parameter. Start-up fails without
 * one: an unchecked payload is what this replaces.
 */
function payloadClassOf(subject: string, prototype: object, method: string, name: string): new () => object {
  const contract = (DURABLE_EVENT_PAYLOADS as Record<string, (new () => object) | undefined>)[subject];
  if (contract) return contract;
  const [declared] = (Reflect.getMetadata('design:paramtypes', prototype, method) ?? []) as unknown[];
  if (typeof declared === 'function' && declared !== Object) return declared as new () => object;
  throw new Error(`${name} handles ${subject}, which has no payload class in the contract`);
}

function reasonOf(errors: readonly FieldError[]): string {
  return errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
