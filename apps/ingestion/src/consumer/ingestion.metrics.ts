import { Injectable } from '@nestjs/common';
import { MetricsService } from '@northstar/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

export type DeadLetterReason = 'invalid' | 'max_deliveries' | 'unwritable';

/** Ingestion's Prometheus series, on the service's registry (/metrics of the ops port). */
@Injectable()
export class IngestionMetrics {
  readonly written: Counter;
  readonly deadLetters: Counter<'reason'>;
  readonly dropped: Counter<'reason'>;
  readonly insertFailures: Counter;
  readonly insertSeconds: Histogram;
  readonly sessionFallbacks: Counter;
  readonly backlog: Gauge;
  readonly heldMessages: Gauge;
  readonly heldEvents: Gauge;
  readonly stalled: Gauge;
  readonly metricPointsWritten: Counter;
  readonly metricPointsDropped: Counter;
  readonly metricsBacklog: Gauge;
  /** What the consumer holds, read by the held gauges when scraped. */
  held: () => { messages: number; events: number } = () => ({ messages: 0, events: 0 });

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.written = new Counter({
      name: 'northstar_ingestion_events_written_total',
      help: 'Events written to ClickHouse and acknowledged',
      registers,
    });
    this.deadLetters = new Counter({
      name: 'northstar_ingestion_dead_letters_total',
      help: 'Messages moved to the dead-letter subject, by reason',
      labelNames: ['reason'] as const,
      registers,
    });
    this.dropped = new Counter({
      name: 'northstar_ingestion_events_dropped_total',
      help: 'Events acknowledged without being written, by reason (their project was deleted)',
      labelNames: ['reason'] as const,
      registers,
    });
    this.insertFailures = new Counter({
      name: 'northstar_ingestion_insert_failures_total',
      help: 'ClickHouse inserts that failed and will be retried (the messages stay unacknowledged)',
      registers,
    });
    this.insertSeconds = new Histogram({
      name: 'northstar_ingestion_insert_seconds',
      help: 'Time to write one batch to ClickHouse',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sessionFallbacks = new Counter({
      name: 'northstar_ingestion_session_fallbacks_total',
      help: 'Events sessionized in memory because Redis was unavailable',
      registers,
    });
    this.backlog = new Gauge({
      name: 'northstar_ingestion_backlog_messages',
      help: 'Messages of the EVENTS stream not yet acknowledged by ingestion (pending and in flight)',
      registers,
    });
    // Read when scraped, not set per message: the hot path only counts.
    const heldNow = () => this.held();
    this.heldMessages = new Gauge({
      name: 'northstar_ingestion_held_messages',
      help: 'Messages this replica took off the stream and has not acknowledged yet',
      registers,
      collect() {
        this.set(heldNow().messages);
      },
    });
    this.heldEvents = new Gauge({
      name: 'northstar_ingestion_held_events',
      help: 'Events in the messages this replica holds (buffered or being written)',
      registers,
      collect() {
        this.set(heldNow().events);
      },
    });
    this.stalled = new Gauge({
      name: 'northstar_ingestion_stalled',
      help: '1 while the consumer has taken nothing for INGEST_STALL_AFTER_MS although messages are pending',
      registers,
    });
    this.metricPointsWritten = new Counter({
      name: 'northstar_ingestion_metric_points_written_total',
      help: 'Custom metric points written to ClickHouse and acknowledged',
      registers,
    });
    this.metricPointsDropped = new Counter({
      name: 'northstar_ingestion_metric_points_dropped_total',
      help: 'Custom metric points acknowledged without being written: their project was deleted',
      registers,
    });
    this.metricsBacklog = new Gauge({
      name: 'northstar_ingestion_metrics_backlog_messages',
      help: 'Messages of the METRICS stream not yet acknowledged by ingestion (pending and in flight)',
      registers,
    });
  }
}
