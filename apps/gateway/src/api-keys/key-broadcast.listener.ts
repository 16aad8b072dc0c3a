import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeysBroadcasts } from '@northstar/contracts';
import { BroadcastListener, BusSigner, NATS_CONNECTION, type BroadcastHandlers } from '@northstar/messaging';
import type { NatsConnection } from 'nats';
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
export class KeyBroadcastListener extends BroadcastListener {
  private readonly logger = new Logger(KeyBroadcastListener.name);

  protected readonly handlers: BroadcastHandlers = {
    onEvent: (payload) => this.forget(payload),
    // Broadcasts sent while the connection was down are lost: start from a clean memory.
    onReconnect: () => {
      this.logger.warn('Bus reconnected: dropping every cached key, broadcasts may have been missed');
      this.verifier.clear();
    },
  };

  constructor(
    @Inject(NATS_CONNECTION) connection: NatsConnection,
    signer: BusSigner,
    private readonly verifier: KeyVerifier,
  ) {
    super(connection, signer, [KeysBroadcasts.revoked, KeysBroadcasts.updated]);
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
