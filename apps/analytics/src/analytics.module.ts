import { Module, type DynamicModule } from '@nestjs/common';
import { clickHouseConnectionFrom, ClickHouseModule } from '@northstar/clickhouse';
import { TenantAccess } from '@northstar/messaging';
import { PostgresModule } from '@northstar/persistence';
import { AnalyticsConfig } from './config';
import { DashboardAccess } from './dashboards/dashboard-access';
import { Dashboard } from './dashboards/dashboard.entity';
import { DashboardsHandler } from './dashboards/dashboards.handler';
import { DashboardsRepository } from './dashboards/dashboards.repository';
import { DashboardsService } from './dashboards/dashboards.service';
import { InsightEvaluator } from './dashboards/insight-evaluator';
import { Insight } from './dashboards/insight.entity';
import { ProjectDeletedListener } from './dashboards/project-deleted.listener';
import { analyticsPostgresMigrations } from './migrations';
import { MetricSeriesQuery } from './metrics/metric-series.query';
import { MetricsHandler } from './metrics/metrics.handler';
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

export const ANALYTICS_SCHEMA = 'analytics';
export const analyticsEntities = [Insight, Dashboard];

/**
 * The analytics service: read-only queries on the ClickHouse event store (events, custom metrics), usage reports, and the
 * saved insights and dashboards (PostgreSQL) that it evaluates with those queries.
 */
@Module({})
export class AnalyticsModule {
  static forConfig(config: AnalyticsConfig): DynamicModule {
    return {
      module: AnalyticsModule,
      imports: [
        ClickHouseModule.forRoot(clickHouseConnectionFrom(config)),
        PostgresModule.forService({
          url: config.DATABASE_URL,
          schema: ANALYTICS_SCHEMA,
          entities: analyticsEntities,
          migrations: analyticsPostgresMigrations,
        }),
      ],
      controllers: [AnalyticsHandler, MetricsHandler, UsageHandler, DashboardsHandler],
      providers: [
        { provide: AnalyticsConfig, useValue: config },
        TenantAccess,
        AnalyticsAccess,
        AccessBroadcastListener,
        AnalyticsRepository,
        AnalyticsService,
        DerivedDataRetention,
        MetricSeriesQuery,
        ProjectRetention,
        PrometheusUsage,
        RpcUsageRepository,
        RollupJob,
        UsageService,
        DashboardAccess,
        DashboardsRepository,
        DashboardsService,
        InsightEvaluator,
        ProjectDeletedListener,
      ],
    };
  }
}
