import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { KeysBroadcasts, type KeyRevokedEvent, type KeyUpdatedEvent } from '@northstar/contracts';
import { BusSigner, CALLER_HEADER, CallerAssertionError, NATS_CONNECTION } from '@northstar/messaging';
import { Events, JSONCodec, type Msg, type NatsConnection, type Subscription } from 'nats';
import { KeyVerifier } from './key-verifier';

const codec = JSONCodec<{ data?: unknown }>();

/**
 * Hears the keys service's revocations and changes and drops the keys from this replica's memory.
 * Subscribed without a queue group on purpose: every gateway replica must get every message.
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
    this.subscriptions.push(
      this.connection.subscribe(KeysBroadcasts.revoked, {
        callback: (error, message) => {
          if (!error) this.forget(message, (event: KeyRevokedEvent) => event.keyIds);
        },
      }),
      this.connection.subscribe(KeysBroadcasts.updated, {
        callback: (error, message) => {
          if (!error) this.forget(message, (event: KeyUpdatedEvent) => [event.keyId]);
        },
      }),
    );
    void this.watchReconnections();
    // Subscribed on the server before the gateway takes requests.
    await this.connection.flush();
  }

  onApplicationShutdown(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private forget<E>(message: Msg, keyIdsOf: (event: E) => unknown): void {
    try {
      const data = codec.decode(message.data).data;
      // Only the keys service's own broadcasts: a forged one could flush every gateway's cache at will.
      this.signer.verify('event', message.headers?.get(CALLER_HEADER), message.subject, JSON.stringify(data));
      const keyIds = keyIdsOf(data as E);
      if (Array.isArray(keyIds) && keyIds.every((id) => typeof id === 'string')) {
        this.verifier.forget(keyIds as string[]);
        return;
      }
    } catch (error) {
      if (error instanceof CallerAssertionError) {
        this.logger.warn(`Ignored a key broadcast: ${error.message}`);
        return;
      }
      // Falls through: a message that cannot be read is treated as "something changed".
    }
    this.logger.warn('Unreadable key broadcast: dropping every cached key');
    this.verifier.clear();
  }

  // Broadcasts sent while the connection was down are lost: start from a clean memory after it.
  private async watchReconnections(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === Events.Reconnect) {
        this.logger.warn('Bus reconnected: dropping every cached key, broadcasts may have been missed');
        this.verifier.clear();
      }
    }
  }
}
