import { inboxPrefixOf, type BusUser } from '@northstar/contracts';
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';

/** How a process authenticates to NATS, and the reply prefix its permissions allow it to read. */
export interface NatsCredentials {
  /** Empty: the process's own name. */
  user: string;
  /** Empty: no credentials (a development bus open on loopback). */
  password: string;
}

/**
 * Connection options every NATS connection of a process shares: its credentials (when it has any)
 * and its private inbox prefix, so that the answers to its requests come back on subjects only its
 * NATS user may read (deploy/nats/auth.conf).
 */
export function natsIdentity(processName: string, credentials?: NatsCredentials): Partial<ConnectionOptions> {
  const options: Partial<ConnectionOptions> = { inboxPrefix: inboxPrefixOf(processName as BusUser) };
  if (credentials?.password) {
    options.user = credentials.user || processName;
    options.pass = credentials.password;
  }
  return options;
}

export interface NatsConnectionOptions {
  /**
   * Whether each request and subscription timer captures its caller's stack (the nats client's
   * default), so that a bus timeout's stack shows who made the request. It builds two Error objects
   * per request: a process making thousands of bus calls a second (the gateway's ingestion path)
   * turns it off, its bus errors then carry the same code and message with the client's own stack.
   */
  asyncTraces?: boolean;
  credentials?: NatsCredentials;
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
    ...natsIdentity(name, options.credentials),
  });
}
