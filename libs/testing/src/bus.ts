import { connect, type NatsConnection } from 'nats';
import { DEVELOPMENT_BUS_SIGNING_KEY, DEVELOPMENT_EVENT_TOKENS_KEY } from '@northstar/config';
import { EventTokenSealer, Sealer } from '@northstar/sealing';
import { BusClient, BusSigner, DurableEventPublisher } from '@northstar/messaging';
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
    // Signs as the gateway does: the services under test check every caller assertion.
    bus: new BusClient(connection, Number(env['BUS_TIMEOUT_MS']), testSigner('gateway', overrides)),
    connection,
    close: async () => {
      if (!connection.isClosed()) await connection.drain();
    },
  };
}

/** Signs as a platform process with the tests' key (the development one unless the env says otherwise). */
export function testSigner(service = 'gateway', overrides: TestEnv = {}): BusSigner {
  return new BusSigner(testEnv(overrides)['BUS_SIGNING_KEY'] ?? DEVELOPMENT_BUS_SIGNING_KEY, service);
}

/** Publishes durable events as the named service would, signed, for tests that play its part. */
export function testEventPublisher(connection: NatsConnection, service: string): DurableEventPublisher {
  return new DurableEventPublisher({ service, connection, signer: testSigner(service) });
}

/** Opens a token a durable event carries sealed, with the tests' EVENT_TOKENS_KEY. */
export function openEventToken(sealed: string, overrides: TestEnv = {}): string {
  if (!Sealer.isSealed(sealed)) throw new Error(`Expected a sealed token on the event, got "${sealed}"`);
  return eventTokenSealer(overrides).open(sealed);
}

/** Seals a token as identity and tenancy do before publishing it. */
export function sealEventToken(plain: string, overrides: TestEnv = {}): string {
  return eventTokenSealer(overrides).seal(plain);
}

function eventTokenSealer(overrides: TestEnv): EventTokenSealer {
  return new EventTokenSealer(testEnv(overrides)['EVENT_TOKENS_KEY'] ?? DEVELOPMENT_EVENT_TOKENS_KEY);
}
