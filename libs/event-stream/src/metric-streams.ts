import {
  metricBatchMessageId,
  METRICS_DLQ_STREAM,
  METRICS_DLQ_SUBJECT_PREFIX,
  METRICS_DUPLICATE_WINDOW_MS,
  METRICS_STREAM,
  METRICS_SUBJECT_PREFIX,
  metricsDeadLetterSubject,
  metricsSubject,
  DeadLetterHeaders,
  isSubjectToken,
  type MetricEnvelope,
} from '@northstar/contracts';
import { ensureDurableConsumer, type DurableConsumerSettings } from '@northstar/messaging';
import { REQUEST_ID_HEADER } from '@northstar/observability';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  headers,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import { EventPublishError } from './publisher';
import { DEFAULT_EVENT_STREAM_SETTINGS, INGESTION_ACK_WAIT_MS, type EventStreamSettings } from './streams';

const nanos = (ms: number): number => ms * 1e6;

/** The durable consumer of METRICS that every ingestion replica shares. */
export const METRICS_CONSUMER = 'ingestion-metrics';

/** The consumer as the gateway may create it; ingestion sets its own tunables on top. */
export const METRICS_CONSUMER_CONFIG: DurableConsumerSettings = {
  durable_name: METRICS_CONSUMER,
  filter_subject: `${METRICS_SUBJECT_PREFIX}.>`,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: nanos(INGESTION_ACK_WAIT_MS),
  // Ingestion counts deliveries and dead-letters itself (as for EVENTS).
  max_deliver: -1,
};

/**
 * METRICS and METRICS_DLQ take the limits of EVENTS (the same settings, EVENTS_STREAM_*): each
 * stream gets that much room of its own, so metrics never crowd out events.
 */
export function metricStreamConfigs(settings: EventStreamSettings): Array<Partial<StreamConfig>> {
  return [
    {
      name: METRICS_STREAM,
      description: 'Custom metrics from POST /v1/metrics, consumed by ingestion into ClickHouse',
      subjects: [`${METRICS_SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
      // As EVENTS: a bounded buffer that refuses new messages when full and keeps what it acknowledged;
      // ingestion purges what it wrote.
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      max_age: nanos(Math.max(settings.maxAgeMs, METRICS_DUPLICATE_WINDOW_MS)),
      max_bytes: settings.maxBytes,
      num_replicas: settings.replicas,
      duplicate_window: nanos(METRICS_DUPLICATE_WINDOW_MS),
    },
    {
      name: METRICS_DLQ_STREAM,
      description: 'Metrics ingestion could not write, with the reason in their headers',
      subjects: [`${METRICS_DLQ_SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(settings.deadLetterMaxAgeMs),
      max_bytes: settings.deadLetterMaxBytes,
      num_replicas: settings.replicas,
      duplicate_window: nanos(2 * 60 * 1000),
    },
  ];
}

/**
 * Creates METRICS, METRICS_DLQ and ingestion's metrics consumer when missing; with `update`, existing
 * streams take the given limits (ingestion's migrate step).
 */
export async function ensureMetricStreams(
  jsm: JetStreamManager,
  settings: EventStreamSettings = DEFAULT_EVENT_STREAM_SETTINGS,
  options: { update?: boolean } = {},
): Promise<void> {
  for (const config of metricStreamConfigs(settings)) {
    const name = config.name as string;
    let existing = true;
    try {
      await jsm.streams.info(name);
    } catch (error) {
      if (!/stream not found/i.test(String(error))) throw error;
      existing = false;
    }
    if (!existing) {
      try {
        await jsm.streams.add(config);
      } catch (error) {
        if (!/already in use/i.test(String(error))) throw error;
      }
    } else if (options.update) {
      const info = await jsm.streams.info(name);
      await jsm.streams.update(name, { ...info.config, ...config });
    }
  }
  await ensureDurableConsumer(jsm, METRICS_STREAM, METRICS_CONSUMER_CONFIG);
}

/** Removes from METRICS what the consumer acknowledged (written); answers the new floor. */
export async function purgeWrittenMetrics(
  jsm: JetStreamManager,
  below: number,
  consumer?: ConsumerInfo,
): Promise<number> {
  const info = consumer ?? (await jsm.consumers.info(METRICS_STREAM, METRICS_CONSUMER));
  const floor = info.ack_floor.stream_seq;
  if (floor > below) await jsm.streams.purge(METRICS_STREAM, { seq: floor + 1 });
  return Math.max(floor, below);
}

const encoder = new TextEncoder();
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const HEADERS_ALLOWANCE = 4 * 1024;

/**
 * Publishes a request's accepted metrics to METRICS, as one message per project (a JSON array of
 * envelopes), split only past the server's max_payload. Resolves once JetStream acknowledged every
 * message (stored, or a duplicate of a batch stored within 24 h): only then may the gateway answer
 * 202. Throws EventPublishError otherwise (503: the client sends them again).
 */
export class MetricStreamPublisher {
  private readonly maxBodyBytes: number;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: { ackTimeoutMs?: number; maxPayloadBytes?: number } = {},
  ) {
    this.maxBodyBytes = (options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD) - HEADERS_ALLOWANCE;
  }

  static async connect(
    connection: NatsConnection,
    options: { ackTimeoutMs?: number; settings?: EventStreamSettings } = {},
  ): Promise<MetricStreamPublisher> {
    await ensureMetricStreams(await connection.jetstreamManager(), options.settings);
    const maxPayloadBytes = connection.info?.max_payload;
    return new MetricStreamPublisher(connection.jetstream(), {
      ...(options.ackTimeoutMs ? { ackTimeoutMs: options.ackTimeoutMs } : {}),
      ...(maxPayloadBytes ? { maxPayloadBytes } : {}),
    });
  }

  async publish(
    metrics: readonly MetricEnvelope[],
    options: { requestId?: string } = {},
  ): Promise<{ stored: number; duplicates: number }> {
    const chunks = this.chunk(metrics);
    const outcomes = await Promise.allSettled(chunks.map((chunk) => this.publishChunk(chunk, options)));
    let stored = 0;
    let duplicates = 0;
    let failed = 0;
    let firstCause: unknown;
    outcomes.forEach((outcome, i) => {
      const count = chunks[i].ids.length;
      if (outcome.status === 'rejected') {
        failed += count;
        firstCause ??= outcome.reason;
      } else if (outcome.value.duplicate) duplicates += count;
      else stored += count;
    });
    if (failed > 0) throw new EventPublishError(failed, metrics.length, firstCause);
    return { stored, duplicates };
  }

  private chunk(
    metrics: readonly MetricEnvelope[],
  ): Array<{ projectId: string; ids: string[]; parts: string[] }> {
    const chunks: Array<{ projectId: string; ids: string[]; parts: string[]; bytes: number }> = [];
    const open = new Map<string, (typeof chunks)[number]>();
    for (const metric of metrics) {
      const json = JSON.stringify(metric);
      const bytes = Buffer.byteLength(json) + 1;
      let current = open.get(metric.projectId);
      if (!current || current.bytes + bytes > this.maxBodyBytes) {
        current = { projectId: metric.projectId, ids: [], parts: [], bytes: 2 };
        open.set(metric.projectId, current);
        chunks.push(current);
      }
      current.ids.push(metric.id);
      current.parts.push(json);
      current.bytes += bytes;
    }
    return chunks;
  }

  private publishChunk(
    chunk: { projectId: string; ids: string[]; parts: string[] },
    options: { requestId?: string },
  ) {
    const h = options.requestId ? headers() : undefined;
    if (h && options.requestId) h.set(REQUEST_ID_HEADER, options.requestId);
    return this.js.publish(metricsSubject(chunk.projectId), encoder.encode(`[${chunk.parts.join(',')}]`), {
      // Generated ids are new per request, so only a batch of the client's own ids is ever a duplicate.
      msgID: metricBatchMessageId(chunk.projectId, chunk.ids),
      timeout: this.options.ackTimeoutMs ?? 5000,
      expect: { streamName: METRICS_STREAM },
      ...(h ? { headers: h } : {}),
    });
  }
}

/**
 * Moves a METRICS message (or, with `part`, one metric of it) to `metrics_dlq.<projectId>`, with the
 * same headers as the events' dead letters. Resolves once METRICS_DLQ stored it.
 */
export async function publishMetricDeadLetter(
  js: JetStreamClient,
  message: JsMsg,
  reason: string,
  part?: { index: number; data: Uint8Array },
): Promise<void> {
  const h = headers();
  h.set(DeadLetterHeaders.reason, reason.replace(/[\r\n]+/g, ' ').slice(0, 1000));
  h.set(DeadLetterHeaders.originalSubject, message.subject);
  h.set(DeadLetterHeaders.originalSequence, String(message.info.streamSequence));
  h.set(DeadLetterHeaders.deliveries, String(message.info.deliveryCount));
  h.set(DeadLetterHeaders.failedAt, new Date().toISOString());
  if (part) h.set(DeadLetterHeaders.originalIndex, String(part.index));
  const token = message.subject.slice(METRICS_SUBJECT_PREFIX.length + 1);
  const project = isSubjectToken(token) ? token : '_unknown';
  const id = `dlq:${message.info.stream}:${message.info.streamSequence}`;
  await js.publish(metricsDeadLetterSubject(project), part ? part.data : message.data, {
    headers: h,
    msgID: part ? `${id}:${part.index}` : id,
    expect: { streamName: METRICS_DLQ_STREAM },
  });
}
