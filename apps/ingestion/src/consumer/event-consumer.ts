import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import {
  EVENTS_STREAM,
  EVENTS_SUBJECT_PREFIX,
  type EventEnvelope,
  type FieldError,
} from '@northstar/contracts';
import { decodeEventMessage } from '@northstar/event-intake';
import { ensureEventStreams, publishDeadLetter, type DeadLetterPart } from '@northstar/event-stream';
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
// What one pull may bring: a few inserts' worth of typical events, and always whole messages of up to
// the server's max_payload. Counted in bytes, since a message holds one event or hundreds.
const PREFETCH_BYTES = 16 * 1024 * 1024;

/** A message taken off the stream with its valid events, until they are written and it is acked. */
interface Held {
  message: JsMsg;
  envelopes: EventEnvelope[];
  /** Each envelope's position in the message (events refused before writing leave gaps). */
  indexes: number[];
  /** Whether the message holds several events (an array), rather than one envelope. */
  several: boolean;
  heldAt: number;
}

const nanos = (ms: number): number => ms * 1e6;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const encoder = new TextEncoder();
const reasonOf = (errors: readonly FieldError[]): string =>
  errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');

/**
 * Reads EVENTS with a durable pull consumer and writes the events to ClickHouse in batches of up to
 * INGEST_BATCH_ROWS rows or every INGEST_FLUSH_MS. A message holds one event or a request's batch;
 * it is acknowledged only after the insert holding all its events succeeded: a failed insert is
 * retried with backoff while the messages stay unacked (and kept alive with `working()`), so a
 * ClickHouse outage delays events and loses none. A message that cannot be decoded, or that was
 * delivered INGEST_MAX_DELIVERIES times without being written, goes to the dead-letter subject and
 * the stream moves on; so does an event that is not a valid envelope or that ClickHouse refuses as
 * data, alone when its message holds others (which are written).
 */
@Injectable()
export class EventConsumer implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventConsumer');
  private readonly buffer: Held[] = [];
  /** Events in `buffer`: a message holds one or many. */
  private bufferedRows = 0;
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
        this.messages = await consumer.consume({ max_bytes: PREFETCH_BYTES });
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
    const decoded = decodeEventMessage(message.data);
    if ('errors' in decoded) {
      await this.deadLetter(message, `invalid event envelope: ${reasonOf(decoded.errors)}`, 'invalid');
      return;
    }
    if (message.info.deliveryCount > this.config.INGEST_MAX_DELIVERIES) {
      const times = message.info.deliveryCount - 1;
      const reason = `delivered ${times === 1 ? 'once' : `${times} times`} without being written`;
      if (!decoded.several) {
        await this.deadLetter(message, reason, 'max_deliveries');
        return;
      }
      // Dead letters hold one event each, ready to be replayed one by one.
      for (const [index, event] of decoded.events.entries()) {
        const data = encoder.encode(JSON.stringify('envelope' in event ? event.envelope : event.value));
        if (!(await this.deadLetter(message, reason, 'max_deliveries', { index, data }))) return;
      }
      message.ack();
      return;
    }
    const held: Held = {
      message,
      envelopes: [],
      indexes: [],
      several: decoded.several,
      heldAt: Date.now(),
    };
    for (const [index, event] of decoded.events.entries()) {
      if ('envelope' in event) {
        held.envelopes.push(event.envelope);
        held.indexes.push(index);
        continue;
      }
      // One bad event of several: it goes to the dead letters alone, the others are written.
      const part = { index, data: encoder.encode(JSON.stringify(event.value)) };
      const reason = `invalid event envelope: ${reasonOf(event.errors)}`;
      if (!(await this.deadLetter(message, reason, 'invalid', part))) return;
    }
    if (held.envelopes.length === 0) {
      message.ack();
      return;
    }
    this.held.add(message);
    this.buffer.push(held);
    this.bufferedRows += held.envelopes.length;
    if (this.buffer.length === 1 || this.bufferedRows >= this.config.INGEST_BATCH_ROWS) this.wake?.();
  }

  private async writeLoop(): Promise<void> {
    for (;;) {
      if (this.buffer.length === 0) {
        if (this.stopping) return;
        await this.waitForWork(this.config.INGEST_FLUSH_MS);
        continue;
      }
      const waited = Date.now() - this.buffer[0].heldAt;
      const full = this.bufferedRows >= this.config.INGEST_BATCH_ROWS;
      if (!full && !this.stopping && waited < this.config.INGEST_FLUSH_MS) {
        await this.waitForWork(this.config.INGEST_FLUSH_MS - waited);
        continue;
      }
      const written = await this.writeBatch(this.nextBatch());
      if (!written) return;
    }
  }

  /** Whole messages from the front of the buffer, up to INGEST_BATCH_ROWS events (at least one message). */
  private nextBatch(): Held[] {
    let rows = 0;
    let count = 0;
    while (count < this.buffer.length) {
      const size = this.buffer[count].envelopes.length;
      if (count > 0 && rows + size > this.config.INGEST_BATCH_ROWS) break;
      rows += size;
      count += 1;
    }
    this.bufferedRows -= rows;
    return this.buffer.splice(0, count);
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
        const rows = batch.flatMap((item) => item.envelopes);
        const outcome = await this.store.write(rows);
        stop();
        const refused = new Map(outcome.unwritable.map((row) => [row.index, row.reason]));
        let offset = 0;
        for (const item of batch) {
          await this.settle(item, offset, refused);
          offset += item.envelopes.length;
        }
        this.metrics.written.inc(rows.length - outcome.unwritable.length - outcome.dropped.length);
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

  /**
   * After its rows went to ClickHouse (those at `offset`… of the insert): acknowledges the message,
   * once the rows ClickHouse refused are in the dead letters (the whole message if it was that one
   * event, else each refused event alone).
   */
  private async settle(item: Held, offset: number, refused: Map<number, string>): Promise<void> {
    this.held.delete(item.message);
    for (const [i, envelope] of item.envelopes.entries()) {
      const reason = refused.get(offset + i);
      if (reason === undefined) continue;
      const why = `ClickHouse refused the row: ${reason}`;
      if (!item.several) {
        await this.deadLetter(item.message, why, 'unwritable');
        return;
      }
      const part = { index: item.indexes[i], data: encoder.encode(JSON.stringify(envelope)) };
      if (!(await this.deadLetter(item.message, why, 'unwritable', part))) return;
    }
    item.message.ack();
  }

  /**
   * Stores the message (or with `part`, that one event of it) in the dead letters. The whole message
   * is then acknowledged; a part leaves that to the caller, which goes on with the other events.
   * False when the dead letter could not be stored: the message is given back to JetStream rather
   * than dropped, and comes again later.
   */
  private async deadLetter(
    message: JsMsg,
    reason: string,
    kind: DeadLetterReason,
    part?: DeadLetterPart,
  ): Promise<boolean> {
    const where = `${message.info.streamSequence}${part ? ` (event ${part.index})` : ''}`;
    try {
      await publishDeadLetter(this.js, message, reason, part);
      if (!part) message.ack();
      this.metrics.deadLetters.inc({ reason: kind });
      this.logger.warn(`Dead-lettered message ${where} (${kind}): ${reason}`);
      return true;
    } catch (error) {
      this.logger.error(`Could not dead-letter message ${where}: ${(error as Error).message}`);
      message.nak(5000);
      return false;
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
