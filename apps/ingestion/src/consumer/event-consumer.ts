import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { EVENTS_STREAM, type EventEnvelope, type FieldError } from '@northstar/contracts';
import { decodeEventMessage } from '@northstar/event-intake';
import {
  ensureEventStreams,
  eventStreamSettingsFrom,
  INGESTION_ACK_WAIT_MS,
  INGESTION_CONSUMER,
  INGESTION_CONSUMER_CONFIG,
  publishDeadLetter,
  purgeWritten,
  type DeadLetterPart,
} from '@northstar/event-stream';
import { ensureDurableConsumer, NATS_CONNECTION } from '@northstar/messaging';
import { ReadinessService } from '@northstar/observability';
import {
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import { IngestionConfig } from '../config';
import { EventStoreService } from '../event-store/event-store.service';
import { IngestionMetrics, type DeadLetterReason } from './ingestion.metrics';
import { BatchBuffer } from './batch-buffer';

// Held messages are reported in progress well within the ack wait, so a slow or stalled insert
// never makes JetStream redeliver them to another replica.
const HEARTBEAT_MS = INGESTION_ACK_WAIT_MS / 3;
const BACKLOG_REFRESH_MS = 2000;
const MAX_BACKOFF_MS = 30_000;
const NAK_ON_SHUTDOWN_MS = 2000;
// Most messages one pull asks for: several inserts' worth of single events, without keeping a pull
// open on the server for longer than it takes to fill.
const PULL_MAX_MESSAGES = 1000;
// Most bytes one pull may bring, at the size estimate below. Far under what the NATS server lets
// queue up for one client (max_pending, 64 MiB by default): past that it cuts the connection as a
// slow consumer, and every message on the way waits out the ack wait before coming again.
const PULL_MAX_BYTES = 8 * 1024 * 1024;
// The size estimate falls back this much per message after a large one: a pull is sized for the
// largest messages seen lately, never for a mean that a burst of batches would overrun.
const SIZE_ESTIMATE_DECAY = 0.995;
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
// How long a pull waits on the server for messages. Short, so that an idle consumer notices within
// seconds that it was cut off (a NATS restart ends its pulls without telling it).
const PULL_EXPIRES_MS = 5000;
const MAX_PULL_BACKOFF_MS = 5000;
// A pull brings up to PULL_MAX_MESSAGES at once, and a message can hold hundreds of events to check:
// after this much work the loop lets timers (progress acks), inserts and acks run.
const YIELD_AFTER_MS = 10;

/** A message taken off the stream with its valid events, until they are written and it is acked. */
interface Held {
  message: JsMsg;
  envelopes: EventEnvelope[];
  /** Each envelope's position in the message (events refused before writing leave gaps). */
  indexes: number[];
  /** Whether the message holds several events (an array), rather than one envelope. */
  several: boolean;
  heldAt: number;
  /** The message's size as it counts against INGEST_MAX_HELD_BYTES. */
  bytes: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
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
  /** Messages waiting for their batch; a message holds one event or many. */
  private readonly batches: BatchBuffer<Held>;
  /** Every message taken off the stream and neither acknowledged nor given back yet. */
  private readonly held = new Set<JsMsg>();
  private heldBytes = 0;
  private heldEvents = 0;
  /**
   * The size a pull assumes of each message: the largest seen lately, at first the largest the server
   * takes. Messages hold one event or a request's batch, so sizes differ a hundredfold.
   */
  private messageBytesEstimate = DEFAULT_MAX_PAYLOAD;
  private js!: JetStreamClient;
  private jsm!: JetStreamManager;
  /** The pull in progress, closed on shutdown. */
  private pull?: ConsumerMessages;
  private reading?: Promise<void>;
  private writing?: Promise<void>;
  /** Resolves the pull loop's wait for room once held messages are settled. */
  private roomFreed?: () => void;
  /** When the last message came off the stream. */
  private lastMessageAt = Date.now();
  /** Since when the stream has had messages for this consumer without a break (0: none pending). */
  private pendingSince = 0;
  /** The stream sequence up to which written messages were purged. */
  private purgedUpTo = 0;
  private stopping = false;
  private giveUpAt = Number.POSITIVE_INFINITY;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly config: IngestionConfig,
    private readonly store: EventStoreService,
    private readonly metrics: IngestionMetrics,
    private readonly readiness: ReadinessService,
  ) {
    this.batches = new BatchBuffer(
      (held) => held.envelopes.length,
      config.INGEST_BATCH_ROWS,
      config.INGEST_FLUSH_MS,
    );
  }

  onModuleInit(): void {
    this.metrics.held = () => ({ messages: this.held.size, events: this.heldEvents });
    this.readiness.register('jetstream', async () => {
      await (await this.connection.jetstreamManager()).consumers.info(EVENTS_STREAM, INGESTION_CONSUMER);
    });
    this.readiness.register('consumer', () => {
      const stalledMs = this.stalledForMs();
      if (stalledMs === 0) return Promise.resolve('pulling');
      return Promise.reject(
        new Error(
          `no message taken for ${Math.round(stalledMs / 1000)} s while the stream has pending messages`,
        ),
      );
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.jsm = await this.connection.jetstreamManager();
    this.js = this.connection.jetstream();
    this.messageBytesEstimate = this.connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    await ensureEventStreams(this.jsm, eventStreamSettingsFrom(this.config));
    // The shared durable consumer (ensureEventStreams made it) takes this replica's configured tunables.
    await ensureDurableConsumer(this.jsm, EVENTS_STREAM, {
      ...INGESTION_CONSUMER_CONFIG,
      max_ack_pending: this.config.INGEST_MAX_ACK_PENDING,
    });
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
    this.roomFreed?.();
    await this.pull?.close().catch(() => undefined);
    await this.reading;
    this.batches.wakeUp();
    await this.writing;
    // Given back with a short delay: redelivered at once, they could go to this process's own pull
    // request, still open on the server until the connection closes, and wait out the ack wait.
    for (const message of this.held) message.nak(NAK_ON_SHUTDOWN_MS);
    this.held.clear();
  }

  /**
   * Pulls one batch of messages at a time, whenever what it holds leaves room, and never more than
   * that room. Each pull is a request of its own with a whole number of messages: no byte budget
   * that could shrink below the next message's size (nats.js's `consume` with `max_bytes` tops its
   * pulls up with the budget it believes is left, its count of bytes drifts from the server's, and
   * once a top-up is smaller than the next message the server refuses it, the client asks again,
   * and nothing is ever delivered). An error ends one pull, never the loop.
   */
  private async readLoop(): Promise<void> {
    let consumer: Consumer | undefined;
    let failures = 0;
    while (!this.stopping) {
      const batch = this.pullSize();
      if (batch === 0) {
        await new Promise<void>((resolve) => (this.roomFreed = resolve));
        this.roomFreed = undefined;
        continue;
      }
      try {
        consumer ??= await this.js.consumers.get(EVENTS_STREAM, INGESTION_CONSUMER);
        this.pull = await consumer.fetch({ max_messages: batch, expires: PULL_EXPIRES_MS });
        if (this.stopping) await this.pull.close();
        let sliceStart = performance.now();
        for await (const message of this.pull) {
          await this.take(message);
          if (performance.now() - sliceStart > YIELD_AFTER_MS) {
            await yieldToEventLoop();
            sliceStart = performance.now();
          }
        }
        failures = 0;
      } catch (error) {
        if (this.stopping) return;
        failures += 1;
        // The consumer is looked up again: it may have been deleted and created anew.
        consumer = undefined;
        const delay = Math.min(MAX_PULL_BACKOFF_MS, 100 * 2 ** Math.min(failures - 1, 6));
        if (failures === 1 || failures % 20 === 0) {
          this.logger.warn(
            `Pulling from EVENTS failed (${failures}), again in ${delay} ms: ${(error as Error).message}`,
          );
        }
        await sleep(delay);
      } finally {
        this.pull = undefined;
      }
    }
  }

  /**
   * Messages the next pull may ask for: the room left under INGEST_MAX_HELD_MESSAGES, and under
   * INGEST_MAX_HELD_BYTES and PULL_MAX_BYTES at the size estimate; 0 when either budget is spent.
   */
  private pullSize(): number {
    const messageRoom = this.config.INGEST_MAX_HELD_MESSAGES - this.held.size;
    const byteRoom = this.config.INGEST_MAX_HELD_BYTES - this.heldBytes;
    if (messageRoom <= 0 || byteRoom <= 0) return 0;
    const byBytes = Math.floor(Math.min(byteRoom, PULL_MAX_BYTES) / this.messageBytesEstimate);
    return Math.max(1, Math.min(PULL_MAX_MESSAGES, messageRoom, byBytes));
  }

  /** Milliseconds the consumer has taken nothing while the stream had messages for it; 0 if it has not. */
  stalledForMs(now = Date.now()): number {
    if (this.pendingSince === 0) return 0;
    const quietMs = now - Math.max(this.lastMessageAt, this.pendingSince);
    return quietMs > this.config.INGEST_STALL_AFTER_MS ? quietMs : 0;
  }

  private async take(message: JsMsg): Promise<void> {
    this.lastMessageAt = Date.now();
    this.messageBytesEstimate = Math.max(
      message.data.length,
      this.messageBytesEstimate * SIZE_ESTIMATE_DECAY,
    );
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
      bytes: message.data.length,
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
    this.hold(held);
    this.batches.add(held);
  }

  /**
   * Writes full batches (or what waited INGEST_FLUSH_MS), up to INGEST_WRITE_CONCURRENCY at once: while
   * one insert waits on ClickHouse, the next batch is enriched and sessionized.
   */
  private async writeLoop(): Promise<void> {
    const writes = new Set<Promise<boolean>>();
    let gaveUp = false;
    while (!gaveUp) {
      const turn = await this.batches.turn(this.stopping);
      if (turn === 'drained') break;
      if (turn === 'again') continue;
      if (writes.size >= this.config.INGEST_WRITE_CONCURRENCY) {
        gaveUp = !(await Promise.race(writes));
        continue;
      }
      const write: Promise<boolean> = this.writeBatch(this.batches.take()).finally(() =>
        writes.delete(write),
      );
      writes.add(write);
    }
    await Promise.all(writes);
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
    this.release(item);
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

  private hold(item: Held): void {
    this.held.add(item.message);
    this.heldBytes += item.bytes;
    this.heldEvents += item.envelopes.length;
  }

  private release(item: Held): void {
    if (!this.held.delete(item.message)) return;
    this.heldBytes -= item.bytes;
    this.heldEvents -= item.envelopes.length;
    this.roomFreed?.();
  }

  private heartbeat(): void {
    for (const message of this.held) message.working();
  }

  private async refreshBacklog(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(EVENTS_STREAM, INGESTION_CONSUMER);
      this.metrics.backlog.set(info.num_pending + info.num_ack_pending);
      if (info.num_pending === 0) this.pendingSince = 0;
      else if (this.pendingSince === 0) this.pendingSince = Date.now();
      this.metrics.stalled.set(this.stalledForMs() > 0 ? 1 : 0);
      // The stream keeps only what is not written yet: its limits then bound the backlog alone.
      this.purgedUpTo = await purgeWritten(this.jsm, this.purgedUpTo, info);
    } catch {
      // The readiness check reports JetStream trouble; the gauge keeps its last value.
    }
  }
}
