import { Inject, Injectable, Logger } from '@nestjs/common';
import { IdentityBroadcasts } from '@northstar/contracts';
import { BroadcastListener, BusSigner, NATS_CONNECTION, type BroadcastHandlers } from '@northstar/messaging';
import type { NatsConnection } from 'nats';
import { SessionGate } from './session-gate';

function sessionIdsOf(payload: unknown): string[] | null {
  const sessionIds = (payload as { sessionIds?: unknown } | null | undefined)?.sessionIds;
  return Array.isArray(sessionIds) && sessionIds.every((id) => typeof id === 'string') ? sessionIds : null;
}

/** Hears identity's session revocations (every gateway replica hears each one) and applies them. */
@Injectable()
export class SessionBroadcastListener extends BroadcastListener {
  private readonly logger = new Logger(SessionBroadcastListener.name);

  protected readonly handlers: BroadcastHandlers = {
    onEvent: (payload) => {
      const sessionIds = sessionIdsOf(payload);
      if (sessionIds) {
        this.gate.revoke(sessionIds);
      } else {
        // Some session ended, which one cannot be read: every session is asked about again.
        this.logger.warn('Unreadable session revocation: re-validating every session');
        this.gate.forgetConfirmations();
      }
    },
    onReconnect: () => {
      this.logger.warn('Bus reconnected: re-validating every session, revocations may have been missed');
      this.gate.forgetConfirmations();
    },
  };

  constructor(
    @Inject(NATS_CONNECTION) connection: NatsConnection,
    signer: BusSigner,
    private readonly gate: SessionGate,
  ) {
    super(connection, signer, [IdentityBroadcasts.sessionsRevoked]);
  }
}
