import type { Provider } from '@nestjs/common';
import { EventStreamPublisher, type EventStreamSettings } from '@northstar/event-stream';
import { NATS_CONNECTION } from '@northstar/messaging';
import type { NatsConnection } from 'nats';

/**
 * The JetStream publisher of ingested events, on the gateway's one NATS connection (shared by every
 * request). The EVENTS stream is ensured at start-up, so the first request finds it even when the
 * gateway comes up before ingestion.
 */
export function eventPublisherProvider(ackTimeoutMs: number, settings: EventStreamSettings): Provider {
  return {
    provide: EventStreamPublisher,
    inject: [NATS_CONNECTION],
    useFactory: (connection: NatsConnection) =>
      EventStreamPublisher.connect(connection, { ackTimeoutMs, settings }),
  };
}
