import type { Provider } from '@nestjs/common';
import { MetricStreamPublisher, type EventStreamSettings } from '@northstar/event-stream';
import { NATS_CONNECTION } from '@northstar/messaging';
import type { NatsConnection } from 'nats';

/**
 * The JetStream publisher of custom metrics on the gateway's NATS connection. METRICS is ensured at
 * start-up, so the first request finds it even when the gateway comes up before ingestion.
 */
export function metricPublisherProvider(ackTimeoutMs: number, settings: EventStreamSettings): Provider {
  return {
    provide: MetricStreamPublisher,
    inject: [NATS_CONNECTION],
    useFactory: (connection: NatsConnection) =>
      MetricStreamPublisher.connect(connection, { ackTimeoutMs, settings }),
  };
}
