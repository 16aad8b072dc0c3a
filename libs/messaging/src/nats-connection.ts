import { connect, type NatsConnection } from 'nats';

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(','),
    name,
    // Keep retrying forever: a bus outage makes requests fail fast (503), not the process exit.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
}
