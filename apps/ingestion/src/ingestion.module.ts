import { Module, type DynamicModule } from '@nestjs/common';
import { clickHouseConnectionFrom, ClickHouseModule } from '@northstar/clickhouse';
import type { IngestionConfig } from './config';

/** The ingestion service on ClickHouse; its features arrive with their issues. */
@Module({})
export class IngestionModule {
  static forConfig(config: IngestionConfig): DynamicModule {
    return { module: IngestionModule, imports: [ClickHouseModule.forRoot(clickHouseConnectionFrom(config))] };
  }
}
