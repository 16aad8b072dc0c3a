import { Module, type DynamicModule } from '@nestjs/common';
import { GatewayConfig } from '../config';
import { DashboardsController } from '../dashboards/dashboards.controller';
import { InsightsController } from '../dashboards/insights.controller';
import { SharedDashboardRateGuard } from '../dashboards/shared-dashboard-rate.guard';
import { SharedDashboardsController } from '../dashboards/shared-dashboards.controller';
import { AnalyticsRateGuard } from './analytics-rate.guard';
import { AnalyticsController } from './analytics.controller';
import { MetricsQueryController } from './metrics-query.controller';
import { UsageController } from './usage.controller';
import { KeyWhenPresentedGuard } from './user-or-key';

/**
 * The Analytics routes of the public API (members or API keys with `analytics:read`), the usage routes
 * (members), and saved insights and dashboards (members; shared dashboards by token).
 */
@Module({})
export class AnalyticsRoutesModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AnalyticsRoutesModule,
      controllers: [
        AnalyticsController,
        MetricsQueryController,
        UsageController,
        InsightsController,
        DashboardsController,
        SharedDashboardsController,
      ],
      providers: [
        { provide: GatewayConfig, useValue: config },
        KeyWhenPresentedGuard,
        AnalyticsRateGuard,
        SharedDashboardRateGuard,
      ],
    };
  }
}
