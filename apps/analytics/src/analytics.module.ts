import { Module, type DynamicModule } from '@nestjs/common';
import { clickHouseConnectionFrom, ClickHouseModule } from '@northstar/clickhouse';
import type { AnalyticsConfig } from './config';

/** The analytics service on ClickHouse; its features arrive with their issues. */
@Module({})
export class AnalyticsModule {
  static forConfig(config: AnalyticsConfig): DynamicModule {
    return { module: AnalyticsModule, imports: [ClickHouseModule.forRoot(clickHouseConnectionFrom(config))] };
  }
}
