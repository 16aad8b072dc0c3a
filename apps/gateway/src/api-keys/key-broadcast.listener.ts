import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { KeysBroadcasts } from '@northstar/contracts';
import { BusSigner, listenToBroadcast, NATS_CONNECTION } from '@northstar/messaging';
import type { NatsConnection, Subscription } from 'nats';
import { KeyVerifier } from './key-verifier';

function keyIdsOf(payload: unknown): string[] | null {
  const event = payload as { keyIds?: unknown; keyId?: unknown } | null | undefined;
  const keyIds = typeof event?.keyId === 'string' ? [event.keyId] : event?.keyIds;
  return Array.isArray(keyIds) && keyIds.every((id) => typeof id === 'string') ? keyIds : null;
}

/**
 * Hears the keys service's revocations and changes (every gateway replica hears each one) and drops
 * the keys from this replica's memory.
 */
@Injectable()
export class KeyBroadcastListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyBroadcastListener.name);
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly verifier: KeyVerifier,
    private readonly signer: BusSigner,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const subject of [KeysBroadcasts.revoked, KeysBroadcasts.updated]) {
      this.subscriptions.push(
        listenToBroadcast(this.connection, this.signer, subject, {
          onEvent: (payload) => this.forget(payload),
          // Broadcasts sent while the connection was down are lost: start from a clean memory.
          onReconnect: () => {
            this.logger.warn('Bus reconnected: dropping every cached key, broadcasts may have been missed');
            this.verifier.clear();
          },
        }),
      );
    }
    // Subscribed on the server before the gateway takes requests.
    await this.connection.flush();
  }

  onApplicationShutdown(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private forget(payload: unknown): void {
    const keyIds = keyIdsOf(payload);
    if (keyIds) {
      this.verifier.forget(keyIds);
      return;
    }
    // Signed by the keys service but not in a shape this gateway reads: treated as "something changed".
    this.logger.warn('Unreadable key broadcast: dropping every cached key');
    this.verifier.clear();
  }
}
