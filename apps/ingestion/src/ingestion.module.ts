import { Module, type DynamicModule } from '@nestjs/common';
import { clickHouseConnectionFrom, ClickHouseModule } from '@northstar/clickhouse';
import { RedisModule } from '@northstar/redis';
import { IngestionConfig } from './config';
import { EventConsumer } from './consumer/event-consumer';
import { IngestionMetrics } from './consumer/ingestion.metrics';
import { MetricConsumer } from './consumer/metric-consumer';
import { Enricher } from './enrichment/enricher';
import { EventStoreRepository } from './event-store/event-store.repository';
import { EventStoreService } from './event-store/event-store.service';
import { MetricStoreRepository } from './metric-store/metric-store.repository';
import { ProjectDeletedListener } from './project/project-deleted.listener';
import { EventRetention } from './retention/event-retention';
import { SessionTracker } from './session/session-tracker';

/** Events and custom metrics from JetStream into ClickHouse; a deleted project's events, and events past retention, out of it. */
@Module({})
export class IngestionModule {
  static forConfig(config: IngestionConfig): DynamicModule {
    return {
      module: IngestionModule,
      imports: [
        ClickHouseModule.forRoot(clickHouseConnectionFrom(config)),
        RedisModule.forRoot({ url: config.REDIS_URL, name: 'ingestion' }),
      ],
      providers: [
        { provide: IngestionConfig, useValue: config },
        IngestionMetrics,
        Enricher,
        SessionTracker,
        EventStoreRepository,
        EventStoreService,
        EventConsumer,
        MetricStoreRepository,
        MetricConsumer,
        ProjectDeletedListener,
        EventRetention,
      ],
    };
  }
}
