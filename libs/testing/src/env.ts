/**
 * The environment a service gets in the integration tests: the test databases (`northstar_test`,
 * Redis db 1), an ephemeral ops port and a short bus timeout so a missing answer fails a test fast.
 * Connection settings exported by the test runner win over these defaults; the rest is fixed.
 */
export type TestEnv = Record<string, string | undefined>;

const CONNECTION_DEFAULTS = {
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/northstar_test',
  REDIS_URL: 'redis://127.0.0.1:6379/1',
  CLICKHOUSE_URL: 'http://127.0.0.1:8123',
  CLICKHOUSE_DATABASE: 'northstar_test',
  CLICKHOUSE_USER: 'default',
  CLICKHOUSE_PASSWORD: '',
} as const;

/**
 * The bus timeout of services and test clients: production's default, since a shorter one failed
 * tests on a busy 2-core machine for answers that were merely slow.
 */
export const TEST_BUS_TIMEOUT_MS = 5000;

export function testEnv(overrides: TestEnv = {}): TestEnv {
  const fromRunner = Object.fromEntries(
    Object.entries(CONNECTION_DEFAULTS).map(([key, fallback]) => [key, process.env[key] || fallback]),
  );
  const env: TestEnv = {
    ...fromRunner,
    NODE_ENV: 'test',
    OPS_PORT: '0',
    OPS_HOST: '127.0.0.1',
    BUS_TIMEOUT_MS: String(TEST_BUS_TIMEOUT_MS),
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] || 'warn',
    ...overrides,
  };
  assertTestDatabases(env);
  return env;
}

// Tests create and delete rows freely: never let them run against a development or production store.
function assertTestDatabases(env: TestEnv): void {
  const database = env['DATABASE_URL'] ? new URL(env['DATABASE_URL']).pathname.slice(1) : '';
  if (!database.includes('test')) {
    throw new Error(
      `Refusing to run tests against PostgreSQL database "${database}" (expected a *test* database)`,
    );
  }
  if (!(env['CLICKHOUSE_DATABASE'] ?? '').includes('test')) {
    throw new Error(`Refusing to run tests against ClickHouse database "${env['CLICKHOUSE_DATABASE']}"`);
  }
}
