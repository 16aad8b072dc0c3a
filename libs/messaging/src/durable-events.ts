import {
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { DurableEventPayload, DurableEventSubject } from '@northstar/contracts';
import {
  currentRequestId,
  REQUEST_ID_HEADER,
  runWithRequestContext,
  sanitizeRequestId,
} from '@northstar/observability';
import { randomUUID } from 'node:crypto';
import { CALLER_HEADER, CallerAssertionError, type BusSigner } from './caller-assertion';
import {
  AckPolicy,
  DeliverPolicy,
  headers,
  JSONCodec,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';

/**
 * Domain events that must not be lost (an email to send, a project's data to delete) go through
 * JetStream rather than core NATS: the publisher waits for the stream's acknowledgement, and each
 * listening service has a durable consumer per event, so an event published while the listener is
 * down is delivered when it comes back. Handlers must be idempotent: delivery is at least once.
 */
export const DOMAIN_EVENTS_STREAM = 'DOMAIN_EVENTS';
const SUBJECT_PREFIX = 'domain.';
const RETENTION_NS = 7 * 24 * 3600 * 1e9;
const NS_PER_MS = 1e6;

/**
 * A failing handler gets the event again after 1 s, 2 s, 4 s ... capped at 5 minutes: 20 deliveries
 * span about an hour, so an outage of a handler's own dependency (Redis, PostgreSQL) shorter than
 * that delays the event without losing it.
 */
export const MAX_DELIVERIES = 20;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 5 * 60_000;
const ACK_WAIT_MS = 30_000;

/** How long a failed delivery waits before the next one (`deliveryCount` starts at 1). */
export function retryDelayMs(deliveryCount: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, deliveryCount - 1));
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
}

const HANDLER_METADATA = 'northstar:durable-event';
const codec = JSONCodec();

/** Marks a provider or controller method as the listener of a durable domain event. */
export const DurableEventHandler = (subject: DurableEventSubject): MethodDecorator =>
  SetMetadata(HANDLER_METADATA, subject);

export async function ensureDomainEventsStream(jsm: JetStreamManager): Promise<void> {
  const config = {
    name: DOMAIN_EVENTS_STREAM,
    subjects: [`${SUBJECT_PREFIX}>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: RETENTION_NS,
    duplicate_window: 2 * 60 * 1e9,
  };
  try {
    await jsm.streams.info(DOMAIN_EVENTS_STREAM);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (error) {
      // Another replica created it in between.
      if (!/already in use/i.test(String(error))) throw error;
    }
  }
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
    const streamSubject = `${SUBJECT_PREFIX}${subject}`;
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
      await ensureDomainEventsStream(await connection.jetstreamManager());
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
  handle: (payload: unknown) => Promise<unknown>;
}

/**
 * Finds every @DurableEventHandler at start-up and consumes its event with a durable pull consumer
 * named after the service and the event. A handler that throws gets the event again with a growing
 * delay (retryDelayMs); after MAX_DELIVERIES the event is dropped with an error log.
 */
@Injectable()
export class DurableEventConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DurableEvents');
  private readonly running: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];

  constructor(
    @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const listeners = this.findListeners();
    if (listeners.length === 0) return;
    const connection = this.options.connection;
    const jsm = await connection.jetstreamManager();
    await ensureDomainEventsStream(jsm);
    const js = connection.jetstream();
    for (const listener of listeners) {
      const durable = durableConsumerName(this.options.service, listener.subject);
      await this.ensureConsumer(jsm, durable, listener.subject);
      const consumer = await js.consumers.get(DOMAIN_EVENTS_STREAM, durable);
      const messages = await consumer.consume({ max_messages: 64 });
      this.running.push(messages);
      this.loops.push(this.run(listener, messages));
    }
  }

  // Before the connection is drained (MessagingModule does that on shutdown): the handler of an
  // event in progress finishes and acknowledges it.
  async beforeApplicationShutdown(): Promise<void> {
    for (const messages of this.running) await messages.close();
    await Promise.allSettled(this.loops);
  }

  private async ensureConsumer(jsm: JetStreamManager, durable: string, subject: string): Promise<void> {
    const settings = {
      ack_wait: ACK_WAIT_MS * NS_PER_MS,
      max_deliver: MAX_DELIVERIES,
    } satisfies Partial<ConsumerConfig>;
    let existing: ConsumerConfig | undefined;
    try {
      existing = (await jsm.consumers.info(DOMAIN_EVENTS_STREAM, durable)).config;
    } catch {
      // Not created yet: below. Identical concurrent creations by two replicas both succeed.
      await jsm.consumers.add(DOMAIN_EVENTS_STREAM, {
        durable_name: durable,
        filter_subject: `${SUBJECT_PREFIX}${subject}`,
        ack_policy: AckPolicy.Explicit,
        // A consumer created after the first events were published still gets them.
        deliver_policy: DeliverPolicy.All,
        ...settings,
      });
      return;
    }
    // A consumer created by an older release keeps its settings on the server until updated.
    if (existing.ack_wait !== settings.ack_wait || existing.max_deliver !== settings.max_deliver) {
      await jsm.consumers.update(DOMAIN_EVENTS_STREAM, durable, settings);
    }
  }

  private async run(listener: Listener, messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) await this.deliver(listener, message);
    } catch (error) {
      // Unhandled, the rejection would end the process; logged, it says why this event went quiet.
      this.logger.error(`Stopped consuming ${listener.subject}: ${describe(error)}`);
    }
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
        // Not published by a platform process: acting on it would let any NATS client trigger it.
        this.logger.error(`Dropping an unsigned or forged ${listener.subject} event: ${error.message}`);
        message.term();
        return;
      }
      let payload: unknown;
      try {
        payload = codec.decode(message.data);
      } catch (error) {
        // Retrying cannot fix malformed JSON.
        this.logger.error(`Dropping a malformed ${listener.subject} event: ${describe(error)}`);
        message.term();
        return;
      }
      try {
        await listener.handle(payload);
        message.ack();
      } catch (error) {
        const attempt = message.info.deliveryCount;
        if (attempt >= MAX_DELIVERIES) {
          this.logger.error(
            `Dropping ${listener.subject} after ${attempt} attempts (${listener.name}): ${describe(error)}`,
          );
          message.term();
          return;
        }
        this.logger.warn(
          `${listener.name} failed on ${listener.subject} (attempt ${attempt} of ${MAX_DELIVERIES}), ` +
            `retrying: ${describe(error)}`,
        );
        message.nak(retryDelayMs(attempt));
      }
    });
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
          handle: (payload) => Promise.resolve((fn as (p: unknown) => unknown).call(instance, payload)),
        });
      }
    }
    return listeners;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
