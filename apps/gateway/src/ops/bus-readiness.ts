import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { NATS_CONNECTION } from '@northstar/messaging';
import { ReadinessService } from '@northstar/observability';
import type { NatsConnection } from 'nats';

@Injectable()
export class GatewayBusReadiness implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly readiness: ReadinessService,
  ) {}

  onModuleInit(): void {
    this.readiness.register('bus', () => this.connection.rtt());
  }
}
