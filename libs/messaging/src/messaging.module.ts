import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { NatsConnection } from 'nats';
import { BusClient } from './bus-client';
import {
  DURABLE_EVENTS_OPTIONS,
  DurableEventConsumers,
  DurableEventPublisher,
  type DurableEventsOptions,
} from './durable-events';
import { connectNats } from './nats-connection';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

export interface MessagingOptions {
  natsUrl: string;
  /** Shown in NATS monitoring; the service or gateway name. */
  clientName: string;
  requestTimeoutMs: number;
  /** See NatsConnectionOptions.asyncTraces (on unless set to false). */
  asyncTraces?: boolean;
}

class NatsConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly connection: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain();
  }
}

/** Provides the NATS connection and the typed BusClient to the whole application. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      imports: [DiscoveryModule],
      providers: [
        {
          provide: NATS_CONNECTION,
          useFactory: () =>
            connectNats(options.natsUrl, options.clientName, {
              ...(options.asyncTraces === undefined ? {} : { asyncTraces: options.asyncTraces }),
            }),
        },
        {
          provide: BusClient,
          inject: [NATS_CONNECTION],
          useFactory: (connection: NatsConnection) => new BusClient(connection, options.requestTimeoutMs),
        },
        {
          provide: DURABLE_EVENTS_OPTIONS,
          inject: [NATS_CONNECTION],
          useFactory: (connection: NatsConnection): DurableEventsOptions => ({
            service: options.clientName,
            connection,
          }),
        },
        DurableEventPublisher,
        DurableEventConsumers,
        NatsConnectionCloser,
      ],
      exports: [NATS_CONNECTION, BusClient, DurableEventPublisher],
    };
  }
}
