import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { createValidationPipe, MessagingModule } from '@northstar/messaging';
import { MetricsService, ReadinessService } from '@northstar/observability';
import { OpsController } from '@northstar/service-runtime';
import { AnalyticsRoutesModule } from './analytics/analytics-routes.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { ChainsController } from './chains/chains.controller';
import { QuotaModule } from './quota/quota.module';
import { GatewayConfig } from './config';
import { ProblemFilter } from './http/problem.filter';
import { IdentityRoutesModule } from './identity/identity-routes.module';
import { IngestRoutesModule } from './ingest/ingest-routes.module';
import { KeysRoutesModule } from './keys/keys-routes.module';
import { MetricsRoutesModule } from './metrics/metrics-routes.module';
import { NotificationsRoutesModule } from './notifications/notifications-routes.module';
import { GatewayBusReadiness } from './ops/bus-readiness';
import { SystemController } from './system/system.controller';
import { SystemService } from './system/system.service';
import { TenancyRoutesModule } from './tenancy/tenancy-routes.module';

@Module({})
export class GatewayModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        MessagingModule.forRoot({
          natsUrl: config.NATS_URL,
          clientName: 'gateway',
          requestTimeoutMs: config.BUS_TIMEOUT_MS,
          signingKey: config.BUS_SIGNING_KEY,
          credentials: { user: config.NATS_USER, password: config.NATS_PASSWORD },
          streamReplicas: config.NATS_STREAM_REPLICAS,
          // Every SDK event is a JetStream publish: the caller-stack capture was ~7% of its cost.
          asyncTraces: false,
        }),
        AuthModule.forConfig(config),
        ApiKeysModule.forConfig(config),
        IdentityRoutesModule.forConfig(config),
        TenancyRoutesModule,
        KeysRoutesModule,
        AnalyticsRoutesModule.forConfig(config),
        NotificationsRoutesModule,
        QuotaModule.forConfig(config),
        IngestRoutesModule.forConfig(config),
        MetricsRoutesModule.forConfig(config),
      ],
      controllers: [OpsController, SystemController, ChainsController],
      providers: [
        { provide: GatewayConfig, useValue: config },
        {
          provide: MetricsService,
          useFactory: () => {
            const metrics = new MetricsService();
            metrics.setServiceLabel('gateway');
            return metrics;
          },
        },
        ReadinessService,
        GatewayBusReadiness,
        SystemService,
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
