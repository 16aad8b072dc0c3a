import {
  eventBatchMessageId,
  EVENTS_STREAM,
  eventMessageId,
  eventsSubject,
  type EventEnvelope,
} from '@northstar/contracts';
import { REQUEST_ID_HEADER } from '@northstar/observability';
import { headers, type JetStreamClient, type NatsConnection, type PubAck } from 'nats';
import { DEFAULT_EVENT_STREAM_SETTINGS, ensureEventStreams, type EventStreamSettings } from './streams';

export interface EventPublishResult {
  /** Newly stored by JetStream. */
  stored: number;
  /** Already stored within the duplicate window (same project and messageId): dropped, not an error. */
  duplicates: number;
}

// JetStream's words for a stream at its limits (discard new), or a server out of storage for it.
const STREAM_FULL =
  /maximum (bytes|messages|messages per subject) exceeded|insufficient (storage )?resources/i;

/** Some events were not acknowledged by JetStream: none of the batch may be reported as queued. */
export class EventPublishError extends Error {
  /** The stream refused them for want of room: ingestion is behind, not JetStream down. */
  readonly streamFull: boolean;

  constructor(
    readonly failed: number,
    readonly total: number,
    readonly firstCause: unknown,
  ) {
    super(`JetStream did not acknowledge ${failed} of ${total} events: ${String(firstCause)}`);
    this.name = 'EventPublishError';
    this.streamFull = isStreamFull(firstCause);
  }
}

// nats.js words a refused publish "503" and carries JetStream's reason in `api_error`.
function isStreamFull(cause: unknown): boolean {
  const apiError = (cause as { api_error?: { description?: unknown } } | null)?.api_error;
  return STREAM_FULL.test(`${String(cause)} ${String(apiError?.description ?? '')}`);
}

export interface EventStreamPublisherOptions {
  /** How long one publish waits for JetStream's acknowledgement. */
  ackTimeoutMs?: number;
  /**
   * The largest message the NATS server takes (its `max_payload`, headers included); `connect` reads
   * it from the server. Defaults to NATS's own default, 1 MiB.
   */
  maxPayloadBytes?: number;
}

const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
// Room for the headers (message id, expected stream, request id) within max_payload.
const HEADERS_ALLOWANCE = 4 * 1024;

const encoder = new TextEncoder();

/** Events of one project that travel in one stream message. */
interface Chunk {
  projectId: string;
  messageIds: string[];
  parts: string[];
}

/**
 * Publishes accepted events to the EVENTS stream. A request's events of one project travel in one
 * message (a JSON array of envelopes; a lone event as its envelope), split only where a message
 * would pass the server's max_payload: a batch costs one publish and one acknowledgement, not one
 * per event. `publish` resolves only once JetStream has acknowledged every message (stored, or
 * recognised as a duplicate), which is when the gateway may answer 202.
 *
 * `Nats-Msg-Id` is the event's `<projectId>:<messageId>` for a message of one event, a digest of
 * the messageIds in order for several (`eventBatchMessageId`): an SDK retrying a batch within
 * 24 hours, or a gateway retrying after a lost acknowledgement, stores it once. An event that comes
 * again in a batch made up differently is stored again; its eventId (derived from the messageId by
 * the gateway's intake) makes ClickHouse count it once.
 */
export class EventStreamPublisher {
  private readonly ackTimeoutMs: number;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly js: JetStreamClient,
    options: EventStreamPublisherOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.maxBodyBytes = (options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD) - HEADERS_ALLOWANCE;
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
    const maxPayloadBytes = options.maxPayloadBytes ?? connection.info?.max_payload;
    return new EventStreamPublisher(connection.jetstream(), {
      ...options,
      ...(maxPayloadBytes ? { maxPayloadBytes } : {}),
    });
  }

  async publish(
    envelopes: readonly EventEnvelope[],
    options: { requestId?: string } = {},
  ): Promise<EventPublishResult> {
    const { chunks, repeated } = this.chunk(envelopes);
    const outcomes = await Promise.allSettled(chunks.map((chunk) => this.publishChunk(chunk, options)));
    let stored = 0;
    let duplicates = repeated;
    let failed = 0;
    let firstCause: unknown;
    outcomes.forEach((outcome, i) => {
      const events = chunks[i].messageIds.length;
      if (outcome.status === 'rejected') {
        failed += events;
        firstCause ??= outcome.reason;
      } else if (outcome.value.duplicate) duplicates += events;
      else stored += events;
    });
    if (failed > 0) throw new EventPublishError(failed, envelopes.length - repeated, firstCause);
    return { stored, duplicates };
  }

  /**
   * The messages to send, in request order. An event repeated within the request (an SDK that queued
   * it twice) goes once, as JetStream would have kept only the first copy.
   */
  private chunk(envelopes: readonly EventEnvelope[]): { chunks: Chunk[]; repeated: number } {
    const seen = new Set<string>();
    const open = new Map<string, { chunk: Chunk; bytes: number }>();
    const chunks: Chunk[] = [];
    let repeated = 0;
    for (const envelope of envelopes) {
      const id = eventMessageId(envelope.projectId, envelope.messageId);
      if (seen.has(id)) {
        repeated += 1;
        continue;
      }
      seen.add(id);
      const json = JSON.stringify(envelope);
      const bytes = Buffer.byteLength(json) + 1;
      let current = open.get(envelope.projectId);
      if (!current || (current.chunk.parts.length > 0 && current.bytes + bytes > this.maxBodyBytes)) {
        // 2: the array's brackets; each part adds its comma.
        current = { chunk: { projectId: envelope.projectId, messageIds: [], parts: [] }, bytes: 2 };
        open.set(envelope.projectId, current);
        chunks.push(current.chunk);
      }
      current.chunk.messageIds.push(envelope.messageId);
      current.chunk.parts.push(json);
      current.bytes += bytes;
    }
    return { chunks, repeated };
  }

  private publishChunk(chunk: Chunk, options: { requestId?: string }): Promise<PubAck> {
    const h = options.requestId ? headers() : undefined;
    if (h && options.requestId) h.set(REQUEST_ID_HEADER, options.requestId);
    const body = chunk.parts.length === 1 ? chunk.parts[0] : `[${chunk.parts.join(',')}]`;
    return this.js.publish(eventsSubject(chunk.projectId), encoder.encode(body), {
      msgID: eventBatchMessageId(chunk.projectId, chunk.messageIds),
      timeout: this.ackTimeoutMs,
      // A subject captured by some other stream would be acknowledged by it: refuse that.
      expect: { streamName: EVENTS_STREAM },
      ...(h ? { headers: h } : {}),
    });
  }
}
