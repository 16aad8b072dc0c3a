import { Module, type DynamicModule } from '@nestjs/common';
import { GatewayConfig } from '../config';
import { AnalyticsRateGuard } from './analytics-rate.guard';
import { AnalyticsController } from './analytics.controller';
import { UsageController } from './usage.controller';
import { KeyWhenPresentedGuard } from './user-or-key';

/** The Analytics routes of the public API (members or API keys with `analytics:read`) and the usage routes (members). */
@Module({})
export class AnalyticsRoutesModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AnalyticsRoutesModule,
      controllers: [AnalyticsController, UsageController],
      providers: [{ provide: GatewayConfig, useValue: config }, KeyWhenPresentedGuard, AnalyticsRateGuard],
    };
  }
}
