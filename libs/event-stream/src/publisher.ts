import { EVENTS_STREAM, eventMessageId, eventsSubject, type EventEnvelope } from '@northstar/contracts';
import { REQUEST_ID_HEADER } from '@northstar/observability';
import { headers, type JetStreamClient, type NatsConnection, type PubAck } from 'nats';
import { DEFAULT_EVENT_STREAM_SETTINGS, ensureEventStreams, type EventStreamSettings } from './streams';

export interface EventPublishResult {
  /** Newly stored by JetStream. */
  stored: number;
  /** Already stored within the duplicate window (same project and messageId): dropped, not an error. */
  duplicates: number;
}

/** Some events were not acknowledged by JetStream: none of the batch may be reported as queued. */
export class EventPublishError extends Error {
  constructor(
    readonly failed: number,
    readonly total: number,
    readonly firstCause: unknown,
  ) {
    super(`JetStream did not acknowledge ${failed} of ${total} events: ${String(firstCause)}`);
    this.name = 'EventPublishError';
  }
}

export interface EventStreamPublisherOptions {
  /** How long one publish waits for JetStream's acknowledgement. */
  ackTimeoutMs?: number;
}

const encoder = new TextEncoder();

/**
 * Publishes accepted events to the EVENTS stream. All of a request's events are in flight at once,
 * so a batch costs about one round trip; `publish` resolves only once JetStream has acknowledged every
 * one of them (stored, or recognised as a duplicate), which is when the gateway may answer 202.
 *
 * `Nats-Msg-Id` is `<projectId>:<messageId>`: an SDK retrying a batch within 24 hours, or a gateway
 * retrying after a lost acknowledgement, stores each event once.
 */
export class EventStreamPublisher {
  private readonly ackTimeoutMs: number;

  constructor(
    private readonly js: JetStreamClient,
    options: EventStreamPublisherOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  }

  /** Ensures the streams exist (creating them if this process comes up first), then builds a publisher. */
  static async connect(
    connection: NatsConnection,
    options: EventStreamPublisherOptions & { settings?: EventStreamSettings } = {},
  ): Promise<EventStreamPublisher> {
    await ensureEventStreams(
      await connection.jetstreamManager(),
      options.settings ?? DEFAULT_EVENT_STREAM_SETTINGS,
    );
    return new EventStreamPublisher(connection.jetstream(), options);
  }

  async publish(
    envelopes: readonly EventEnvelope[],
    options: { requestId?: string } = {},
  ): Promise<EventPublishResult> {
    const outcomes = await Promise.allSettled(
      envelopes.map((envelope) => this.publishOne(envelope, options)),
    );
    let stored = 0;
    let duplicates = 0;
    let failed = 0;
    let firstCause: unknown;
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        failed += 1;
        firstCause ??= outcome.reason;
      } else if (outcome.value.duplicate) duplicates += 1;
      else stored += 1;
    }
    if (failed > 0) throw new EventPublishError(failed, envelopes.length, firstCause);
    return { stored, duplicates };
  }

  private publishOne(envelope: EventEnvelope, options: { requestId?: string }): Promise<PubAck> {
    const h = options.requestId ? headers() : undefined;
    if (h && options.requestId) h.set(REQUEST_ID_HEADER, options.requestId);
    return this.js.publish(eventsSubject(envelope.projectId), encoder.encode(JSON.stringify(envelope)), {
      msgID: eventMessageId(envelope.projectId, envelope.messageId),
      timeout: this.ackTimeoutMs,
      // A subject captured by some other stream would be acknowledged by it: refuse that.
      expect: { streamName: EVENTS_STREAM },
      ...(h ? { headers: h } : {}),
    });
  }
}
