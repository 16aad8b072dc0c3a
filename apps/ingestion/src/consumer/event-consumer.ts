import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, type EventEnvelope } from '@northstar/contracts';
import { decodeEnvelope } from '@northstar/event-intake';
import { ensureEventStreams, publishDeadLetter } from '@northstar/event-stream';
import { NATS_CONNECTION } from '@northstar/messaging';
import { ReadinessService } from '@northstar/observability';
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import { IngestionConfig } from '../config';
import { EventStoreService } from '../event-store/event-store.service';
import { IngestionMetrics, type DeadLetterReason } from './ingestion.metrics';

/** The durable consumer every replica shares: JetStream hands each message to one of them. */
export const INGESTION_CONSUMER = 'ingestion';
const ACK_WAIT_MS = 30_000;
// Held messages are reported in progress well within the ack wait, so a slow or stalled insert
// never makes JetStream redeliver them to another replica.
const HEARTBEAT_MS = ACK_WAIT_MS / 3;
const BACKLOG_REFRESH_MS = 15_000;
const MAX_BACKOFF_MS = 30_000;
const NAK_ON_SHUTDOWN_MS = 2000;

interface Held {
  message: JsMsg;
  envelope: EventEnvelope;
  heldAt: number;
}

const nanos = (ms: number): number => ms * 1e6;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads EVENTS with a durable pull consumer and writes the events to ClickHouse in batches of up to
 * INGEST_BATCH_ROWS rows or every INGEST_FLUSH_MS. A message is acknowledged only after the insert
 * holding it succeeded: a failed insert is retried with backoff while the messages stay unacked (and
 * kept alive with `working()`), so a ClickHouse outage delays events and loses none. A message that
 * cannot be decoded, or that was delivered INGEST_MAX_DELIVERIES times without being written, or that
 * ClickHouse refuses as data, goes to the dead-letter subject and the stream moves on.
 */
@Injectable()
export class EventConsumer implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventConsumer');
  private readonly buffer: Held[] = [];
  /** Every message taken off the stream and neither acknowledged nor given back yet. */
  private readonly held = new Set<JsMsg>();
  private js!: JetStreamClient;
  private jsm!: JetStreamManager;
  private messages?: ConsumerMessages;
  private reading?: Promise<void>;
  private writing?: Promise<void>;
  private wake?: () => void;
  private stopping = false;
  private giveUpAt = Number.POSITIVE_INFINITY;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly config: IngestionConfig,
    private readonly store: EventStoreService,
    private readonly metrics: IngestionMetrics,
    private readonly readiness: ReadinessService,
  ) {}

  onModuleInit(): void {
    this.readiness.register('jetstream', async () => {
      await (await this.connection.jetstreamManager()).consumers.info(EVENTS_STREAM, INGESTION_CONSUMER);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.jsm = await this.connection.jetstreamManager();
    this.js = this.connection.jetstream();
    await ensureEventStreams(this.jsm);
    await this.ensureConsumer();
    this.timers = [
      setInterval(() => this.heartbeat(), HEARTBEAT_MS),
      setInterval(() => void this.refreshBacklog(), BACKLOG_REFRESH_MS),
    ];
    this.reading = this.readLoop();
    this.writing = this.writeLoop();
  }

  /**
   * Stops taking messages, then writes what it holds for up to INGEST_SHUTDOWN_GRACE_MS. What is still
   * unwritten after that is given back to JetStream (nak), which hands it to another replica.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.giveUpAt = Date.now() + this.config.INGEST_SHUTDOWN_GRACE_MS;
    for (const timer of this.timers) clearInterval(timer);
    await this.messages?.close();
    await this.reading;
    this.wake?.();
    await this.writing;
    // Given back with a short delay: redelivered at once, they could go to this process's own pull
    // request, still open on the server until the connection closes, and wait out the ack wait.
    for (const message of this.held) message.nak(NAK_ON_SHUTDOWN_MS);
    this.held.clear();
  }

  private async ensureConsumer(): Promise<void> {
    const tunables = {
      ack_wait: nanos(ACK_WAIT_MS),
      // Unlimited: the consumer counts deliveries itself and dead-letters, rather than JetStream
      // silently giving up on a message.
      max_deliver: -1,
      max_ack_pending: this.config.INGEST_MAX_ACK_PENDING,
    };
    try {
      await this.jsm.consumers.info(EVENTS_STREAM, INGESTION_CONSUMER);
      await this.jsm.consumers.update(EVENTS_STREAM, INGESTION_CONSUMER, tunables);
    } catch (error) {
      if (!/consumer not found/i.test(String(error))) throw error;
      await this.jsm.consumers
        .add(EVENTS_STREAM, {
          durable_name: INGESTION_CONSUMER,
          filter_subject: `${EVENTS_SUBJECT_PREFIX}.>`,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ...tunables,
        })
        .catch((addError: unknown) => {
          // Another replica created it in between.
          if (!/already (exists|in use)/i.test(String(addError))) throw addError;
        });
    }
  }

  private async readLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        const consumer = await this.js.consumers.get(EVENTS_STREAM, INGESTION_CONSUMER);
        this.messages = await consumer.consume({ max_messages: this.config.INGEST_BATCH_ROWS });
        if (this.stopping) await this.messages.close();
        for await (const message of this.messages) await this.take(message);
      } catch (error) {
        if (this.stopping) return;
        this.logger.error(`Reading EVENTS failed, resuming in 1 s: ${(error as Error).message}`);
        await sleep(1000);
      }
    }
  }

  private async take(message: JsMsg): Promise<void> {
    if (this.stopping) {
      // Prefetched while shutting down: hand it back rather than let it wait out the ack wait.
      message.nak(NAK_ON_SHUTDOWN_MS);
      return;
    }
    if (message.info.deliveryCount > this.config.INGEST_MAX_DELIVERIES) {
      const times = message.info.deliveryCount - 1;
      await this.deadLetter(
        message,
        `delivered ${times === 1 ? 'once' : `${times} times`} without being written`,
        'max_deliveries',
      );
      return;
    }
    const decoded = decodeEnvelope(message.data);
    if ('errors' in decoded) {
      const reasons = decoded.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
      await this.deadLetter(message, `invalid event envelope: ${reasons.join('; ')}`, 'invalid');
      return;
    }
    this.held.add(message);
    this.buffer.push({ message, envelope: decoded.envelope, heldAt: Date.now() });
    if (this.buffer.length === 1 || this.buffer.length >= this.config.INGEST_BATCH_ROWS) this.wake?.();
  }

  private async writeLoop(): Promise<void> {
    for (;;) {
      if (this.buffer.length === 0) {
        if (this.stopping) return;
        await this.waitForWork(this.config.INGEST_FLUSH_MS);
        continue;
      }
      const waited = Date.now() - this.buffer[0].heldAt;
      const full = this.buffer.length >= this.config.INGEST_BATCH_ROWS;
      if (!full && !this.stopping && waited < this.config.INGEST_FLUSH_MS) {
        await this.waitForWork(this.config.INGEST_FLUSH_MS - waited);
        continue;
      }
      const batch = this.buffer.splice(0, this.config.INGEST_BATCH_ROWS);
      const written = await this.writeBatch(batch);
      if (!written) return;
    }
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Writes one batch, retrying until it is written; false when shutdown gave up on it. */
  private async writeBatch(batch: Held[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const stop = this.metrics.insertSeconds.startTimer();
      try {
        const outcome = await this.store.write(batch.map((item) => item.envelope));
        stop();
        const unwritable = new Map(outcome.unwritable.map((row) => [row.index, row.reason]));
        for (const [index, item] of batch.entries()) {
          const reason = unwritable.get(index);
          if (reason !== undefined) {
            await this.deadLetter(item.message, `ClickHouse refused the row: ${reason}`, 'unwritable');
          } else {
            item.message.ack();
          }
          this.held.delete(item.message);
        }
        this.metrics.written.inc(batch.length - outcome.unwritable.length - outcome.dropped.length);
        if (outcome.dropped.length > 0)
          this.metrics.dropped.inc({ reason: 'project_deleted' }, outcome.dropped.length);
        return true;
      } catch (error) {
        this.metrics.insertFailures.inc();
        const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt - 1, 10));
        if (this.stopping && Date.now() + delay > this.giveUpAt) {
          this.logger.warn(
            `Shutting down with ${this.held.size} events unwritten; JetStream redelivers them`,
          );
          return false;
        }
        // Logged once and then every 10th attempt: an outage should not flood the log.
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `Writing ${batch.length} events failed (attempt ${attempt}), retrying in ${delay} ms: ${
              (error as Error).message
            }`,
          );
        }
        await sleep(delay);
      }
    }
  }

  private async deadLetter(message: JsMsg, reason: string, kind: DeadLetterReason): Promise<void> {
    try {
      await publishDeadLetter(this.js, message, reason);
      message.ack();
      this.metrics.deadLetters.inc({ reason: kind });
      this.logger.warn(`Dead-lettered message ${message.info.streamSequence} (${kind}): ${reason}`);
    } catch (error) {
      // Without a stored dead letter the message must not be dropped: JetStream delivers it again.
      this.logger.error(
        `Could not dead-letter message ${message.info.streamSequence}: ${(error as Error).message}`,
      );
      message.nak(5000);
    }
  }

  private heartbeat(): void {
    for (const message of this.held) message.working();
  }

  private async refreshBacklog(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(EVENTS_STREAM, INGESTION_CONSUMER);
      this.metrics.backlog.set(info.num_pending + info.num_ack_pending);
    } catch {
      // The readiness check reports JetStream trouble; the gauge keeps its last value.
    }
  }
}
