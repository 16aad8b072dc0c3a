import { Global, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { SystemSubjects, type ServiceName } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { BusContextInterceptor } from './bus-context.interceptor';
import { MetricsService, ReadinessService } from '@northstar/observability';
import { OpsController } from './ops.controller';
import { createSystemController } from './system.controller';

export const SERVICE_NAME = Symbol('SERVICE_NAME');

class BusReadiness implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly bus: BusClient,
    private readonly name: ServiceName,
  ) {}

  // Pinging itself proves the bus connection and this replica's subscriptions both work.
  onModuleInit(): void {
    this.readiness.register('bus', () =>
      this.bus.send(SystemSubjects[this.name].ping, {}, { timeoutMs: 1000 }),
    );
  }
}

/** What every bus service has: ping handler, ops endpoints, metrics, readiness, bus context. */
@Global()
@Module({})
export class ServiceRuntimeModule {
  static forService(name: ServiceName, version: string): DynamicModule {
    return {
      module: ServiceRuntimeModule,
      controllers: [OpsController, createSystemController(name, version)],
      providers: [
        { provide: SERVICE_NAME, useValue: name },
        {
          provide: MetricsService,
          useFactory: () => {
            const metrics = new MetricsService();
            metrics.setServiceLabel(name);
            return metrics;
          },
        },
        ReadinessService,
        BusContextInterceptor,
        {
          provide: BusReadiness,
          inject: [ReadinessService, BusClient],
          useFactory: (readiness: ReadinessService, bus: BusClient) => new BusReadiness(readiness, bus, name),
        },
      ],
      exports: [MetricsService, ReadinessService, SERVICE_NAME],
    };
  }
}
