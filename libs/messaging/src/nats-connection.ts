import { connect, type NatsConnection } from 'nats';

export interface NatsConnectionOptions {
  /**
   * Whether each request and subscription timer captures its caller's stack (the nats client's
   * default), so that a bus timeout's stack shows who made the request. It builds two Error objects
   * per request: a process making thousands of bus calls a second (the gateway's ingestion path)
   * turns it off, its bus errors then carry the same code and message with the client's own stack.
   */
  asyncTraces?: boolean;
}

export async function connectNats(
  url: string,
  name: string,
  options: NatsConnectionOptions = {},
): Promise<NatsConnection> {
  return connect({
    servers: url.split(','),
    name,
    // Keep retrying forever: a bus outage makes requests fail fast (503), not the process exit.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    noAsyncTraces: options.asyncTraces === false,
  });
}
