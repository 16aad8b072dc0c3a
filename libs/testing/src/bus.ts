import { connect, type NatsConnection } from 'nats';
import { BusClient } from '@northstar/messaging';
import { testEnv, type TestEnv } from './env';

export interface TestBus {
  /** The typed client, as the gateway uses it. */
  bus: BusClient;
  /** The raw connection, for what the client does not offer (publishing junk, subscribing). */
  connection: NatsConnection;
  close(): Promise<void>;
}

/** A bus client of its own, on its own NATS connection, standing where the gateway stands. */
export async function connectTestBus(overrides: TestEnv = {}): Promise<TestBus> {
  const env = testEnv(overrides);
  const connection = await connect({
    servers: (env['NATS_URL'] ?? '').split(','),
    name: 'northstar-test',
    // A test should fail, not hang, when NATS goes away.
    maxReconnectAttempts: 0,
  });
  return {
    bus: new BusClient(connection, Number(env['BUS_TIMEOUT_MS'])),
    connection,
    close: async () => {
      if (!connection.isClosed()) await connection.drain();
    },
  };
}
