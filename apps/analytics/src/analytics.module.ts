import { Module, type DynamicModule } from '@nestjs/common';
import { clickHouseConnectionFrom, ClickHouseModule } from '@northstar/clickhouse';
import { TenantAccess } from '@northstar/messaging';
import { AnalyticsConfig } from './config';
import { AccessBroadcastListener } from './query/access-broadcast.listener';
import { AnalyticsAccess } from './query/analytics-access';
import { AnalyticsHandler } from './query/analytics.handler';
import { AnalyticsRepository } from './query/analytics.repository';
import { ProjectRetention } from './query/project-retention';
import { AnalyticsService } from './query/analytics.service';
import { DerivedDataRetention } from './query/derived-data-retention';
import { RollupJob } from './rollup/rollup-job';
import { PrometheusUsage } from './usage/prometheus-usage';
import { UsageHandler } from './usage/usage.handler';
import { RpcUsageRepository } from './usage/rpc-usage.repository';
import { UsageService } from './usage/usage.service';

/** The analytics service: read-only queries on the ClickHouse event store, and usage reports. */
@Module({})
export class AnalyticsModule {
  static forConfig(config: AnalyticsConfig): DynamicModule {
    return {
      module: AnalyticsModule,
      imports: [ClickHouseModule.forRoot(clickHouseConnectionFrom(config))],
      controllers: [AnalyticsHandler, UsageHandler],
      providers: [
        { provide: AnalyticsConfig, useValue: config },
        TenantAccess,
        AnalyticsAccess,
        AccessBroadcastListener,
        AnalyticsRepository,
        AnalyticsService,
        DerivedDataRetention,
        ProjectRetention,
        PrometheusUsage,
        RpcUsageRepository,
        RollupJob,
        UsageService,
      ],
    };
  }
}
