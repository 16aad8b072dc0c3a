import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { METRICS_STREAM, type FieldError, type MetricEnvelope } from '@northstar/contracts';
import { validateMetricEnvelope } from '@northstar/event-intake';
import {
  ensureMetricStreams,
  eventStreamSettingsFrom,
  INGESTION_ACK_WAIT_MS,
  METRICS_CONSUMER,
  METRICS_CONSUMER_CONFIG,
  publishMetricDeadLetter,
  purgeWrittenMetrics,
} from '@northstar/event-stream';
import { ensureDurableConsumer, NATS_CONNECTION } from '@northstar/messaging';
import { ReadinessService } from '@northstar/observability';
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import { IngestionConfig } from '../config';
import { EventStoreService } from '../event-store/event-store.service';
import { MetricStoreRepository, toMetricRow } from '../metric-store/metric-store.repository';
import { IngestionMetrics, type DeadLetterReason } from './ingestion.metrics';
import { BatchBuffer } from './batch-buffer';

const HEARTBEAT_MS = INGESTION_ACK_WAIT_MS / 3;
const BACKLOG_REFRESH_MS = 2000;
const MAX_BACKOFF_MS = 30_000;
const NAK_ON_SHUTDOWN_MS = 2000;
const PULL_EXPIRES_MS = 5000;
// A message holds up to a request's 1000 points: a pull of 100 is up to 100k points, a few inserts.
const PULL_MAX_MESSAGES = 100;
// Messages held at once (buffered or being written); the pull waits for room beyond.
const MAX_HELD_MESSAGES = 1000;

interface Held {
  message: JsMsg;
  metrics: MetricEnvelope[];
  heldAt: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const encoder = new TextEncoder();
const reasonOf = (errors: readonly FieldError[]): string =>
  errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');

/**
 * Reads METRICS with its own durable pull consumer and writes the points to ClickHouse's `metrics`
 * table in batches of up to INGEST_BATCH_ROWS points or every INGEST_FLUSH_MS, with the guarantees of
 * the event consumer: a message is acknowledged only after the insert holding all its points
 * succeeded; a failed insert is retried with backoff while its messages stay unacknowledged (kept
 * alive with `working()`); a message that is not metrics, or was delivered INGEST_MAX_DELIVERIES times
 * unwritten, goes to METRICS_DLQ; a point ClickHouse refuses as data goes there alone. Simpler than
 * EventConsumer (no enrichment, no sessions, one write at a time): metrics are small and uniform.
 */
@Injectable()
export class MetricConsumer implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MetricConsumer');
  /** Messages waiting for their batch. */
  private readonly batches: BatchBuffer<Held>;
  private readonly held = new Set<JsMsg>();
  private js!: JetStreamClient;
  private jsm!: JetStreamManager;
  private reading?: Promise<void>;
  private writing?: Promise<void>;
  private roomFreed?: () => void;
  private close?: () => Promise<void>;
  private purgedUpTo = 0;
  private stopping = false;
  private giveUpAt = Number.POSITIVE_INFINITY;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly config: IngestionConfig,
    private readonly store: MetricStoreRepository,
    private readonly events: EventStoreService,
    private readonly metrics: IngestionMetrics,
    private readonly readiness: ReadinessService,
  ) {
    this.batches = new BatchBuffer(
      (held) => held.metrics.length,
      config.INGEST_BATCH_ROWS,
      config.INGEST_FLUSH_MS,
    );
  }

  onModuleInit(): void {
    this.readiness.register('jetstream-metrics', async () => {
      await (await this.connection.jetstreamManager()).consumers.info(METRICS_STREAM, METRICS_CONSUMER);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.jsm = await this.connection.jetstreamManager();
    this.js = this.connection.jetstream();
    await ensureMetricStreams(this.jsm, eventStreamSettingsFrom(this.config));
    await ensureDurableConsumer(this.jsm, METRICS_STREAM, {
      ...METRICS_CONSUMER_CONFIG,
      max_ack_pending: MAX_HELD_MESSAGES * 4,
    });
    this.timers = [
      setInterval(() => this.held.forEach((message) => message.working()), HEARTBEAT_MS),
      setInterval(() => void this.refreshBacklog(), BACKLOG_REFRESH_MS),
    ];
    this.reading = this.readLoop();
    this.writing = this.writeLoop();
  }

  /** Writes what it holds for up to INGEST_SHUTDOWN_GRACE_MS, then gives the rest back to JetStream. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.giveUpAt = Date.now() + this.config.INGEST_SHUTDOWN_GRACE_MS;
    for (const timer of this.timers) clearInterval(timer);
    this.roomFreed?.();
    await this.close?.().catch(() => undefined);
    await this.reading;
    this.batches.wakeUp();
    await this.writing;
    for (const message of this.held) message.nak(NAK_ON_SHUTDOWN_MS);
    this.held.clear();
  }

  private async readLoop(): Promise<void> {
    let consumer: Consumer | undefined;
    let failures = 0;
    while (!this.stopping) {
      const room = MAX_HELD_MESSAGES - this.held.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.roomFreed = resolve));
        this.roomFreed = undefined;
        continue;
      }
      try {
        consumer ??= await this.js.consumers.get(METRICS_STREAM, METRICS_CONSUMER);
        const pull = await consumer.fetch({
          max_messages: Math.min(PULL_MAX_MESSAGES, room),
          expires: PULL_EXPIRES_MS,
        });
        this.close = async () => {
          await pull.close();
        };
        if (this.stopping) await pull.close();
        for await (const message of pull) await this.take(message);
        failures = 0;
      } catch (error) {
        if (this.stopping) return;
        failures += 1;
        consumer = undefined;
        const delay = Math.min(5000, 100 * 2 ** Math.min(failures - 1, 6));
        if (failures === 1 || failures % 20 === 0) {
          this.logger.warn(`Pulling from METRICS failed (${failures}): ${(error as Error).message}`);
        }
        await sleep(delay);
      } finally {
        this.close = undefined;
      }
    }
  }

  private async take(message: JsMsg): Promise<void> {
    if (this.stopping) {
      message.nak(NAK_ON_SHUTDOWN_MS);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(message.data));
    } catch {
      await this.deadLetter(message, 'not JSON', 'invalid');
      return;
    }
    if (!Array.isArray(parsed)) {
      await this.deadLetter(message, 'not an array of metric envelopes', 'invalid');
      return;
    }
    if (message.info.deliveryCount > this.config.INGEST_MAX_DELIVERIES) {
      const times = message.info.deliveryCount - 1;
      await this.deadLetter(message, `delivered ${times} times without being written`, 'max_deliveries');
      return;
    }
    const held: Held = { message, metrics: [], heldAt: Date.now() };
    for (const [index, value] of parsed.entries()) {
      const checked = validateMetricEnvelope(value);
      if ('envelope' in checked) {
        held.metrics.push(checked.envelope);
        continue;
      }
      const part = { index, data: encoder.encode(JSON.stringify(value)) };
      const reason = `invalid metric envelope: ${reasonOf(checked.errors)}`;
      if (!(await this.deadLetter(message, reason, 'invalid', part))) return;
    }
    if (held.metrics.length === 0) {
      message.ack();
      return;
    }
    this.held.add(message);
    this.batches.add(held);
  }

  private async writeLoop(): Promise<void> {
    for (;;) {
      const turn = await this.batches.turn(this.stopping);
      if (turn === 'drained') return;
      if (turn === 'again') continue;
      if (!(await this.writeBatch(this.batches.take()))) return;
    }
  }

  /** Writes one batch, retrying until it is written; false when shutdown gave up on it. */
  private async writeBatch(batch: Held[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        // A deleted project's points still queued are dropped (acknowledged unwritten), as its events are.
        const deleted = await this.events.deletedProjects();
        const points = batch.flatMap((item) => item.metrics);
        const kept = points.flatMap((metric, index) => (deleted.has(metric.projectId) ? [] : [index]));
        const rows = kept.map((index) => toMetricRow(points[index]));
        const refused = new Map((await this.store.insert(rows)).map((row) => [kept[row.index], row.reason]));
        let offset = 0;
        for (const item of batch) {
          await this.settle(item, offset, refused);
          offset += item.metrics.length;
        }
        this.metrics.metricPointsWritten.inc(rows.length - refused.size);
        if (kept.length < points.length) {
          this.metrics.metricPointsDropped.inc(points.length - kept.length);
        }
        return true;
      } catch (error) {
        this.metrics.insertFailures.inc();
        const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt - 1, 10));
        if (this.stopping && Date.now() + delay > this.giveUpAt) return false;
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `Writing ${batch.length} metrics messages failed (attempt ${attempt}), retrying in ${delay} ms: ${
              (error as Error).message
            }`,
          );
        }
        await sleep(delay);
      }
    }
  }

  /** Acknowledges a written message, once the points ClickHouse refused are in the dead letters. */
  private async settle(item: Held, offset: number, refused: Map<number, string>): Promise<void> {
    this.release(item);
    for (const [i, metric] of item.metrics.entries()) {
      const reason = refused.get(offset + i);
      if (reason === undefined) continue;
      const part = { index: i, data: encoder.encode(JSON.stringify(metric)) };
      if (
        !(await this.deadLetter(item.message, `ClickHouse refused the row: ${reason}`, 'unwritable', part))
      ) {
        return;
      }
    }
    item.message.ack();
  }

  /** As EventConsumer's: false (and the message given back) when the dead letter could not be stored. */
  private async deadLetter(
    message: JsMsg,
    reason: string,
    kind: DeadLetterReason,
    part?: { index: number; data: Uint8Array },
  ): Promise<boolean> {
    try {
      await publishMetricDeadLetter(this.js, message, reason, part);
      if (!part) message.ack();
      this.metrics.deadLetters.inc({ reason: kind });
      this.logger.warn(`Dead-lettered metrics message ${message.info.streamSequence} (${kind}): ${reason}`);
      return true;
    } catch (error) {
      this.logger.error(`Could not dead-letter metrics message: ${(error as Error).message}`);
      message.nak(5000);
      return false;
    }
  }

  private release(item: Held): void {
    if (this.held.delete(item.message)) this.roomFreed?.();
  }

  private async refreshBacklog(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(METRICS_STREAM, METRICS_CONSUMER);
      this.metrics.metricsBacklog.set(info.num_pending + info.num_ack_pending);
      this.purgedUpTo = await purgeWrittenMetrics(this.jsm, this.purgedUpTo, info);
    } catch {
      // The next refresh tries again; the gauge keeps its last value.
    }
  }
}
