import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TenancyBroadcasts } from '@northstar/contracts';
import { BusSigner, listenToBroadcast, NATS_CONNECTION } from '@northstar/messaging';
import type { NatsConnection, Subscription } from 'nats';
import { AnalyticsAccess } from './analytics-access';

/**
 * Hears tenancy's changes of access (every analytics replica hears each one), so that a member who is
 * removed or demoted stops reading the organisation's analytics at once, not when the grant expires.
 */
@Injectable()
export class AccessBroadcastListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AccessBroadcastListener.name);
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly access: AnalyticsAccess,
    private readonly signer: BusSigner,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = listenToBroadcast(this.connection, this.signer, TenancyBroadcasts.accessChanged, {
      onEvent: (payload) => {
        const change = payload as { orgId?: unknown; userId?: unknown } | null | undefined;
        if (typeof change?.orgId === 'string' && ['string', 'undefined'].includes(typeof change.userId)) {
          this.access.forget({ orgId: change.orgId, userId: change.userId as string | undefined });
        } else {
          this.logger.warn('Unreadable access change: dropping every cached grant');
          this.access.forgetAll();
        }
      },
      onReconnect: () => this.access.forgetAll(),
    });
    await this.connection.flush();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
