import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { NatsConnection } from 'nats';
import { BusCallerGuard } from './bus-caller.guard';
import { BusClient } from './bus-client';
import { BusSigner } from './caller-assertion';
import {
  DURABLE_EVENTS_OPTIONS,
  DurableEventConsumers,
  DurableEventPublisher,
  type DurableEventsOptions,
  type RetryBackoff,
} from './durable-events';
import { connectNats, type NatsCredentials } from './nats-connection';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

export interface MessagingOptions {
  natsUrl: string;
  /** Shown in NATS monitoring; the service or gateway name. */
  clientName: string;
  requestTimeoutMs: number;
  /** NATS_USER / NATS_PASSWORD, when the bus requires credentials. */
  credentials?: NatsCredentials;
  /** BUS_SIGNING_KEY: signs this process's messages and verifies those it receives. */
  signingKey: string;
  /** See NatsConnectionOptions.asyncTraces (on unless set to false). */
  asyncTraces?: boolean;
  /** When durable events are dead-lettered (MAX_DELIVERIES, DEFAULT_RETRY_BACKOFF unless set). */
  durableEvents?: { maxDeliveries?: number; retryBackoff?: RetryBackoff };
  /** NATS_STREAM_REPLICAS: replicas of the domain event streams this process may create (1). */
  streamReplicas?: number;
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
              ...(options.credentials ? { credentials: options.credentials } : {}),
            }),
        },
        { provide: BusSigner, useFactory: () => new BusSigner(options.signingKey, options.clientName) },
        {
          provide: BusClient,
          inject: [NATS_CONNECTION, BusSigner],
          useFactory: (connection: NatsConnection, signer: BusSigner) =>
            new BusClient(connection, options.requestTimeoutMs, signer),
        },
        {
          provide: DURABLE_EVENTS_OPTIONS,
          inject: [NATS_CONNECTION, BusSigner],
          useFactory: (connection: NatsConnection, signer: BusSigner): DurableEventsOptions => ({
            service: options.clientName,
            connection,
            signer,
            ...(options.streamReplicas === undefined ? {} : { streamReplicas: options.streamReplicas }),
            ...options.durableEvents,
          }),
        },
        BusCallerGuard,
        DurableEventPublisher,
        DurableEventConsumers,
        NatsConnectionCloser,
      ],
      exports: [NATS_CONNECTION, BusClient, BusSigner, BusCallerGuard, DurableEventPublisher],
    };
  }
}
