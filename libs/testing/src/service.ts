import { loadConfig, type ServiceConfig } from '@northstar/config';
import { Empty, ErrorCode, NatsError, type NatsConnection } from 'nats';
import { SystemSubjects, type ServiceName } from '@northstar/contracts';
import { startService, type RunningService, type ServiceDefinition } from '@northstar/service-runtime';
import { connectTestBus } from './bus';
import { eventually } from './eventually';
import { testEnv, type TestEnv } from './env';

export interface StartTestServiceOptions {
  /** Another replica of this service, started by the same test, is expected on the bus. */
  replica?: boolean;
}

/**
 * Starts a service in this process against the test stores, as `main.js serve` would, and resolves
 * once it answers its ping over the bus (its subscriptions have reached the NATS server).
 * The caller closes it in afterAll.
 */
export async function startTestService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  overrides: TestEnv = {},
  options: StartTestServiceOptions = {},
): Promise<RunningService> {
  const probe = await connectTestBus(overrides);
  try {
    if (!options.replica) await assertNobodyServes(probe.connection, definition.name);
    await migrateOnce(definition, overrides);
    const service = await startService(definition, testEnv(overrides));
    try {
      await eventually(() => probe.bus.send(SystemSubjects[definition.name].ping, {}, { timeoutMs: 500 }), {
        timeoutMs: 5000,
      });
    } catch (error) {
      await service.close();
      throw error;
    }
    return service;
  } finally {
    await probe.close();
  }
}

const migrated = new Set<string>();

// Migrations are idempotent, but running them once per test file keeps the suite fast; running them
// here (from source) lets a filtered jest run work without a build.
async function migrateOnce<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  overrides: TestEnv,
): Promise<void> {
  const env = testEnv(overrides);
  // Per event store: a suite may run one service against two (a cluster beside a single server).
  const key = `${definition.name} ${env['CLICKHOUSE_DATABASE']}`;
  if (!definition.migrate || migrated.has(key)) return;
  await definition.migrate(loadConfig(definition.configClass, env));
  migrated.add(key);
}

// NATS subjects and queue groups are global to the server: a replica of another test run or of a
// dev stack on the same NATS would take part of our requests, against its own stores. Fail clearly.
async function assertNobodyServes(connection: NatsConnection, name: ServiceName): Promise<void> {
  try {
    await connection.request(SystemSubjects[name].ping, Empty, { timeout: 500 });
  } catch (error) {
    if (error instanceof NatsError && error.code === ErrorCode.NoResponders) return;
  }
  // An answer, or a subscriber that stays silent: either way someone else holds the subjects.
  throw new Error(
    `Another "${name}" service is subscribed on this NATS server (another test run or a dev stack?). ` +
      'It would take part of the requests of this test; stop it, or point NATS_URL at a private server.',
  );
}
