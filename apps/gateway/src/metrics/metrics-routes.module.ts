import { Module, type DynamicModule } from '@nestjs/common';
import { eventStreamSettingsFrom } from '@northstar/event-stream';
import type { GatewayConfig } from '../config';
import { metricPublisherProvider } from './metric-publisher.provider';
import { MetricsController } from './metrics.controller';
import { MetricsIntakeService } from './metrics-intake.service';

/** Custom metrics from API keys (`POST /v1/metrics`), published to JetStream's METRICS stream. */
@Module({})
export class MetricsRoutesModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: MetricsRoutesModule,
      controllers: [MetricsController],
      providers: [
        metricPublisherProvider(config.EVENTS_PUBLISH_TIMEOUT_MS, eventStreamSettingsFrom(config)),
        MetricsIntakeService,
      ],
    };
  }
}
