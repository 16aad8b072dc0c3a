import { ServiceConfig, WithClickHouse, WithEventStream, WithRedis } from '@northstar/config';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

const Int =
  (min: number, max: number): PropertyDecorator =>
  (target, key) => {
    Type(() => Number)(target, key);
    IsInt()(target, key);
    Min(min)(target, key);
    Max(max)(target, key);
  };

export class IngestionConfig extends WithEventStream(WithRedis(WithClickHouse(ServiceConfig))) {
  override OPS_PORT = 3105;

  /** Most rows in one ClickHouse insert; small inserts waste the server. */
  @Int(1, 200_000)
  INGEST_BATCH_ROWS = 5000;

  /** Batches written to ClickHouse at once, so that preparing the next overlaps the insert of one. */
  @Int(1, 16)
  INGEST_WRITE_CONCURRENCY = 2;

  /** Longest an event waits in memory before its (partial) batch is inserted. */
  @Int(10, 60_000)
  INGEST_FLUSH_MS = 500;

  /** Deliveries after which a message that keeps failing is moved to the dead-letter subject. */
  @Int(1, 100)
  INGEST_MAX_DELIVERIES = 10;

  /** Inactivity that ends a session assigned by ingestion (events the SDK sent without one). */
  @Int(1, 24 * 60)
  INGEST_SESSION_GAP_MINUTES = 30;

  /** On shutdown, how long to keep trying to write what is buffered before leaving it to redelivery. */
  @Int(0, 120_000)
  INGEST_SHUTDOWN_GRACE_MS = 10_000;

  /**
   * Unacknowledged messages JetStream hands out to all replicas together (the consumer's
   * max_ack_pending): with N replicas, at least N × INGEST_MAX_HELD_MESSAGES lets each fill its budget.
   */
  @Int(100, 1_000_000)
  INGEST_MAX_ACK_PENDING = 40_000;

  /**
   * Messages one replica holds at most (taken off the stream, not yet written and acknowledged). It
   * pulls only while it holds less, so a ClickHouse outage costs bounded memory.
   */
  @Int(1, 1_000_000)
  INGEST_MAX_HELD_MESSAGES = 20_000;

  /** Bytes of messages one replica holds at most (a message holds one event or a request's batch). */
  @Int(64 * 1024, 4 * 1024 ** 3)
  INGEST_MAX_HELD_BYTES = 64 * 1024 ** 2;

  /**
   * Readiness fails (and `northstar_ingestion_stalled` is 1) when the consumer has taken no message
   * for this long while the stream has messages pending for it.
   */
  @Int(1000, 3_600_000)
  INGEST_STALL_AFTER_MS = 30_000;

  /**
   * How often events older than their organisation's plan keeps them are deleted (one replica at a
   * time); 0 turns retention off.
   */
  @Int(0, 7 * 86_400_000)
  INGEST_RETENTION_INTERVAL_MS = 3_600_000;
}
