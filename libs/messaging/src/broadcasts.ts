import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { BusEventSubject } from '@northstar/contracts';
import { REQUEST_ID_HEADER, runWithRequestContext, sanitizeRequestId } from '@northstar/observability';
import { Events, type NatsConnection, type Subscription } from 'nats';
import { CALLER_HEADER, CallerAssertionError, type BusSigner } from './caller-assertion';

const decoder = new TextDecoder();

export interface BroadcastHandlers {
  /** The event's payload, not yet checked: whoever listens validates what it reads. */
  onEvent(payload: unknown): void;
  /**
   * After the connection came back: broadcasts sent meanwhile were lost, so a listener that keeps
   * anything they would have dropped must drop it now.
   */
  onReconnect?(): void;
}

const logger = new Logger('Broadcasts');

/**
 * Subscribes to a broadcast (an event published with `BusClient.emit`) on this very process. Without a
 * queue group on purpose: every replica must hear every message, unlike the services' own handlers,
 * which share their subjects' load. The caller awaits `connection.flush()` before serving, so that the
 * subscription is known to the server by then. A message without a valid caller assertion is ignored:
 * a forged revocation or change could otherwise end sessions or flush caches at will.
 */
export function listenToBroadcast(
  connection: NatsConnection,
  signer: BusSigner,
  subject: BusEventSubject,
  handlers: BroadcastHandlers,
): Subscription {
  const subscription = connection.subscribe(subject, {
    callback: (error, message) => {
      if (error) return;
      let payload: unknown;
      try {
        payload = (JSON.parse(decoder.decode(message.data)) as { data?: unknown }).data;
        signer.verify(
          'event',
          message.headers?.get(CALLER_HEADER),
          message.subject,
          JSON.stringify(payload) ?? 'null',
        );
      } catch (failure) {
        // Not JSON, or not signed by a platform process: either way not one of ours.
        const reason = failure instanceof CallerAssertionError ? failure.message : 'not JSON';
        logger.warn(`Ignored a broadcast on ${message.subject}: ${reason}`);
        return;
      }
      // A transport edge: the listener runs in the context of the request that caused the broadcast.
      const requestId = sanitizeRequestId(message.headers?.get(REQUEST_ID_HEADER));
      runWithRequestContext({ requestId }, () => handlers.onEvent(payload));
    },
  });
  const { onReconnect } = handlers;
  if (onReconnect) void watchReconnections(connection, subscription, onReconnect);
  return subscription;
}

async function watchReconnections(
  connection: NatsConnection,
  subscription: Subscription,
  onReconnect: () => void,
): Promise<void> {
  for await (const status of connection.status()) {
    if (subscription.isClosed()) return;
    if (status.type === Events.Reconnect) onReconnect();
  }
}

/**
 * A provider that hears broadcasts for as long as its process runs: subscribed while the modules
 * start (flushed, so the server knows of it before the process serves), unsubscribed at shutdown.
 * Subclasses name the subjects and say what to do with each message and after a reconnection.
 */
export abstract class BroadcastListener implements OnModuleInit, OnApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];

  protected constructor(
    private readonly connection: NatsConnection,
    private readonly signer: BusSigner,
    private readonly subjects: readonly BusEventSubject[],
  ) {}

  protected abstract readonly handlers: BroadcastHandlers;

  async onModuleInit(): Promise<void> {
    for (const subject of this.subjects)
      this.subscriptions.push(listenToBroadcast(this.connection, this.signer, subject, this.handlers));
    await this.connection.flush();
  }

  onApplicationShutdown(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }
}
