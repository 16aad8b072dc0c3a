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

/**
 * The servers of NATS_URL: one URL, or a comma-separated list (the nodes of a cluster; spaces
 * around the commas are allowed). The client tries them in random order and also learns the others a
 * cluster announces, so a list of some of the nodes is enough to start.
 */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
}

/**
 * How every NATS connection of the platform (the bus client, the Nest microservice server, the
 * migrate steps) reaches the bus: every server of the list, retried forever. A lost node or a whole
 * bus outage makes requests fail fast (503) while the client keeps trying, never the process give up
 * and exit. Half a second between two tries of one server, with jitter so that the processes of a
 * platform do not all come back at once: on a cluster a client moves to a live node at once (the
 * wait is per server), on a single server it is back within a second of the server.
 */
export function natsReconnectOptions(url: string): Partial<ConnectionOptions> {
  return {
    servers: natsServers(url),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
  };
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
    ...natsReconnectOptions(url),
    name,
    noAsyncTraces: options.asyncTraces === false,
    ...natsIdentity(name, options.credentials),
  });
}
