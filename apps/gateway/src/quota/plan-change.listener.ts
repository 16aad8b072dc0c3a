import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TenancyBroadcasts } from '@northstar/contracts';
import { BusSigner, listenToBroadcast, NATS_CONNECTION } from '@northstar/messaging';
import type { NatsConnection, Subscription } from 'nats';
import { PlanAllowances } from './plan-allowances';

/** Hears tenancy's plan changes (every gateway replica hears each one): the new quota applies at once. */
@Injectable()
export class PlanChangeListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PlanChangeListener.name);
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly allowances: PlanAllowances,
    private readonly signer: BusSigner,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = listenToBroadcast(this.connection, this.signer, TenancyBroadcasts.planChanged, {
      onEvent: (payload) => {
        const orgId = (payload as { orgId?: unknown } | null | undefined)?.orgId;
        if (typeof orgId === 'string') this.allowances.forget(orgId);
        else this.allowances.forgetAll();
      },
      onReconnect: () => {
        this.logger.warn('Bus reconnected: asking every plan again, changes may have been missed');
        this.allowances.forgetAll();
      },
    });
    await this.connection.flush();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
