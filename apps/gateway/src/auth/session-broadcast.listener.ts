import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { IdentityBroadcasts } from '@northstar/contracts';
import { BusSigner, listenToBroadcast, NATS_CONNECTION } from '@northstar/messaging';
import type { NatsConnection, Subscription } from 'nats';
import { SessionGate } from './session-gate';

function sessionIdsOf(payload: unknown): string[] | null {
  const sessionIds = (payload as { sessionIds?: unknown } | null | undefined)?.sessionIds;
  return Array.isArray(sessionIds) && sessionIds.every((id) => typeof id === 'string') ? sessionIds : null;
}

/** Hears identity's session revocations (every gateway replica hears each one) and applies them. */
@Injectable()
export class SessionBroadcastListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionBroadcastListener.name);
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly gate: SessionGate,
    private readonly signer: BusSigner,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = listenToBroadcast(this.connection, this.signer, IdentityBroadcasts.sessionsRevoked, {
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
    });
    // Subscribed on the server before the gateway takes requests.
    await this.connection.flush();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
