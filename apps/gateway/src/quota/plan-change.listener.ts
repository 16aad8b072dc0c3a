import { Inject, Injectable, Logger } from '@nestjs/common';
import { TenancyBroadcasts } from '@northstar/contracts';
import { BroadcastListener, BusSigner, NATS_CONNECTION, type BroadcastHandlers } from '@northstar/messaging';
import type { NatsConnection } from 'nats';
import { PlanAllowances } from './plan-allowances';

/** Hears tenancy's plan changes (every gateway replica hears each one): the new quota applies at once. */
@Injectable()
export class PlanChangeListener extends BroadcastListener {
  private readonly logger = new Logger(PlanChangeListener.name);

  protected readonly handlers: BroadcastHandlers = {
    onEvent: (payload) => {
      const orgId = (payload as { orgId?: unknown } | null | undefined)?.orgId;
      if (typeof orgId === 'string') this.allowances.forget(orgId);
      else this.allowances.forgetAll();
    },
    onReconnect: () => {
      this.logger.warn('Bus reconnected: asking every plan again, changes may have been missed');
      this.allowances.forgetAll();
    },
  };

  constructor(
    @Inject(NATS_CONNECTION) connection: NatsConnection,
    signer: BusSigner,
    private readonly allowances: PlanAllowances,
  ) {
    super(connection, signer, [TenancyBroadcasts.planChanged]);
  }
}
