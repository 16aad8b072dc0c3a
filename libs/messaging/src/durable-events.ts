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
import {
  AckPolicy,
  DeliverPolicy,
  headers,
  JSONCodec,
  RetentionPolicy,
  StorageType,
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
const MAX_DELIVERIES = 8;
const RETENTION_NS = 7 * 24 * 3600 * 1e9;

export const DURABLE_EVENTS_OPTIONS = Symbol('DURABLE_EVENTS_OPTIONS');
export interface DurableEventsOptions {
  /** Names the durable consumers: replicas of one service share them. */
  service: string;
  connection: NatsConnection;
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
    await js.publish(`${SUBJECT_PREFIX}${subject}`, codec.encode(payload), {
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
  handle: (payload: unknown) => Promise<unknown>;
}

/**
 * Finds every @DurableEventHandler at start-up and consumes its event with a durable pull consumer
 * named after the service and the event. A handler that throws gets the event again with a growing
 * delay; after MAX_DELIVERIES the event is dropped with an error log.
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
      const durable = `${this.options.service}_${listener.subject.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      try {
        await jsm.consumers.info(DOMAIN_EVENTS_STREAM, durable);
      } catch {
        await jsm.consumers.add(DOMAIN_EVENTS_STREAM, {
          durable_name: durable,
          filter_subject: `${SUBJECT_PREFIX}${listener.subject}`,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: 30 * 1e9,
          max_deliver: MAX_DELIVERIES,
        });
      }
      const consumer = await js.consumers.get(DOMAIN_EVENTS_STREAM, durable);
      const messages = await consumer.consume({ max_messages: 64 });
      this.running.push(messages);
      this.loops.push(this.run(listener, messages));
    }
  }

  // Before the connection is drained (MessagingModule does that on shutdown).
  async beforeApplicationShutdown(): Promise<void> {
    for (const messages of this.running) await messages.close();
    await Promise.allSettled(this.loops);
  }

  private async run(listener: Listener, messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) await this.deliver(listener, message);
  }

  private async deliver(listener: Listener, message: JsMsg): Promise<void> {
    const requestId = sanitizeRequestId(message.headers?.get(REQUEST_ID_HEADER));
    await runWithRequestContext({ requestId }, async () => {
      try {
        await listener.handle(codec.decode(message.data));
        message.ack();
      } catch (error) {
        const attempt = message.info.redeliveryCount;
        const reason = error instanceof Error ? error.message : String(error);
        if (attempt >= MAX_DELIVERIES) {
          this.logger.error(`Dropping ${listener.subject} after ${attempt} attempts: ${reason}`);
          message.term();
          return;
        }
        this.logger.warn(`${listener.subject} failed (attempt ${attempt}), retrying: ${reason}`);
        message.nak(Math.min(60_000, 500 * 2 ** attempt));
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
        if (subject) {
          listeners.push({
            subject,
            handle: (payload) => Promise.resolve((fn as (p: unknown) => unknown).call(instance, payload)),
          });
        }
      }
    }
    return listeners;
  }
}
