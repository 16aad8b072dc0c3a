import type { BusEventSubject } from '@northstar/contracts';
import { Events, type NatsConnection, type Subscription } from 'nats';

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

/**
 * Subscribes to a broadcast (an event published with `BusClient.emit`) on this very process. Without a
 * queue group on purpose: every replica must hear every message, unlike the services' own handlers,
 * which share their subjects' load. The caller awaits `connection.flush()` before serving, so that the
 * subscription is known to the server by then.
 */
export function listenToBroadcast(
  connection: NatsConnection,
  subject: BusEventSubject,
  handlers: BroadcastHandlers,
): Subscription {
  const subscription = connection.subscribe(subject, {
    callback: (error, message) => {
      if (error) return;
      let payload: unknown;
      try {
        payload = (JSON.parse(decoder.decode(message.data)) as { data?: unknown }).data;
      } catch {
        payload = undefined;
      }
      handlers.onEvent(payload);
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
