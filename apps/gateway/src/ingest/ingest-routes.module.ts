import { Module, type DynamicModule } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { eventStreamSettingsFrom } from '@northstar/event-stream';
import { eventPublisherProvider } from './event-publisher.provider';
import { EventsController } from './events.controller';
import { IngestService } from './ingest.service';
import { SegmentController } from './segment.controller';

/**
 * Event ingestion from SDKs: `/v1/events`, `/v1/batch` and Segment's per-type routes, publishing to
 * JetStream. Its Fastify side (body limit, text/plain JSON, open CORS) is in ingest-http.ts, which the
 * bootstrap registers.
 */
@Module({})
export class IngestRoutesModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: IngestRoutesModule,
      controllers: [EventsController, SegmentController],
      providers: [
        eventPublisherProvider(config.EVENTS_PUBLISH_TIMEOUT_MS, eventStreamSettingsFrom(config)),
        IngestService,
      ],
    };
  }
}
