import { Inject, Injectable, Logger } from '@nestjs/common';
import { TenancyBroadcasts } from '@northstar/contracts';
import { BroadcastListener, BusSigner, NATS_CONNECTION, type BroadcastHandlers } from '@northstar/messaging';
import type { NatsConnection } from 'nats';
import { AnalyticsAccess } from './analytics-access';

/**
 * Hears tenancy's changes of access (every analytics replica hears each one), so that a member who is
 * removed or demoted stops reading the organisation's analytics at once, not when the grant expires.
 */
@Injectable()
export class AccessBroadcastListener extends BroadcastListener {
  private readonly logger = new Logger(AccessBroadcastListener.name);

  protected readonly handlers: BroadcastHandlers = {
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
  };

  constructor(
    @Inject(NATS_CONNECTION) connection: NatsConnection,
    signer: BusSigner,
    private readonly access: AnalyticsAccess,
  ) {
    super(connection, signer, [TenancyBroadcasts.accessChanged]);
  }
}
