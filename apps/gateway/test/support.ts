import { inboxPrefixOf, SystemSubjects, type ServiceName } from '@northstar/contracts';
import { BusClient, BusSigner } from '@northstar/messaging';
import { startService, type RunningService, type ServiceDefinition } from '@northstar/service-runtime';
import { DEVELOPMENT_BUS_SIGNING_KEY, loadConfig, type ServiceConfig } from '@northstar/config';
import { createClickHouse, type ClickHouseClient } from '@northstar/clickhouse';
import { connect } from 'nats';
import { gzipSync } from 'node:zlib';
import { startGateway, type RunningGateway } from '../src/gateway.bootstrap';

// Self-contained on purpose: these end-to-end tests do not depend on @northstar/testing.

export type Env = Record<string, string | undefined>;

/**
 * Gateway and services share the bus timeout: production's default. A shorter one failed tests on a
 * busy 2-core machine (a sign-up's scrypt behind a ClickHouse merge) that a user would never see fail.
 */
export const BUS_TIMEOUT_MS = 5000;
export const SYSTEM_PING_TIMEOUT_MS = 1500;

const CONNECTION_DEFAULTS = {
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/northstar_test',
  REDIS_URL: 'redis://127.0.0.1:6379/1',
} as const;

// Test support, like libs/testing: the runner's connection settings are what the apps' config reads.
// eslint-disable-next-line no-restricted-properties
const runnerEnv: Env = process.env;

/** The test stores, unless the test runner exports its own connection settings. */
export function e2eEnv(overrides: Env = {}): Env {
  const connections = Object.fromEntries(
    Object.entries(CONNECTION_DEFAULTS).map(([key, fallback]) => [key, runnerEnv[key] || fallback]),
  );
  const env: Env = {
    ...connections,
    NODE_ENV: 'test',
    LOG_LEVEL: runnerEnv['TEST_LOG_LEVEL'] || 'error',
    BUS_TIMEOUT_MS: String(BUS_TIMEOUT_MS),
    ...overrides,
  };
  const database = new URL(env['DATABASE_URL'] ?? '').pathname.slice(1);
  if (!database.includes('test')) {
    throw new Error(
      `Refusing to run e2e tests against PostgreSQL database "${database}" (expected a *test* database)`,
    );
  }
  return env;
}

/** The test ClickHouse database, unless the runner exports its own (as `npm test` does). */
export function e2eClickhouseEnv(): Env {
  const env: Env = {
    CLICKHOUSE_URL: runnerEnv['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123',
    CLICKHOUSE_DATABASE: runnerEnv['CLICKHOUSE_DATABASE'] || 'northstar_test',
    CLICKHOUSE_USER: runnerEnv['CLICKHOUSE_USER'] || 'default',
    CLICKHOUSE_PASSWORD: runnerEnv['CLICKHOUSE_PASSWORD'] ?? '',
  };
  if (!(env['CLICKHOUSE_DATABASE'] ?? '').includes('test')) {
    throw new Error(`Refusing to run e2e tests against ClickHouse database "${env['CLICKHOUSE_DATABASE']}"`);
  }
  return env;
}

/** Applies a service's migrations and seeds to the test stores (`overrides` win over the runner's). */
export async function migrateService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  overrides: Env = {},
): Promise<void> {
  await definition.migrate?.(
    loadConfig(definition.configClass, e2eEnv({ ...e2eClickhouseEnv(), ...overrides })),
  );
}

/** A client of the test ClickHouse database, to check what ingestion stored; `env` overrides it. */
export function e2eClickHouseClient(env: Env = {}): ClickHouseClient {
  const settings = { ...e2eClickhouseEnv(), ...env };
  return createClickHouse({
    url: settings['CLICKHOUSE_URL'] as string,
    database: settings['CLICKHOUSE_DATABASE'] as string,
    username: settings['CLICKHOUSE_USER'] as string,
    password: settings['CLICKHOUSE_PASSWORD'] ?? '',
  });
}

/** The gateway on an ephemeral port of the loopback interface. */
export function startTestGateway(overrides: Env = {}): Promise<RunningGateway> {
  assertDocsAssetsLoadable();
  return startGateway(
    e2eEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      OPS_PORT: '0',
      SYSTEM_PING_TIMEOUT_MS: String(SYSTEM_PING_TIMEOUT_MS),
      // signUp() sends a random X-Forwarded-For, so suites do not share one address's auth budget.
      TRUST_PROXY: 'true',
      ...overrides,
    }),
  );
}

/**
 * Nest loads @fastify/static (for /docs) lazily and calls process.exit(1) when that fails, which kills
 * the whole jest run. Fail the one suite instead, saying why: @fastify/static 10 requires the ESM-only
 * content-disposition 3, which Node 20.19+ loads natively but jest only once it transforms that package.
 */
function assertDocsAssetsLoadable(): void {
  try {
    jest.requireActual('@fastify/static');
  } catch (error) {
    throw new Error(
      `Jest cannot load @fastify/static, which serves /docs (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). ` +
        'jest.preset.ts must transform content-disposition, which is ESM only: transformIgnorePatterns ' +
        "['/node_modules/(?!content-disposition/)'] and a ts-jest transform of .js files with allowJs.",
    );
  }
}

/**
 * Answers the service's ping over the bus (the runner's, or `env`'s NATS_URL), or throws. On a bus with
 * credentials the probe speaks as the gateway: `env`'s NATS_PROBE_PASSWORD is the gateway's password.
 */
export async function pingService(name: ServiceName, timeoutMs = 500, env: Env = {}): Promise<void> {
  const password = env['NATS_PROBE_PASSWORD'];
  const connection = await connect({
    servers: (e2eEnv(env)['NATS_URL'] ?? '').split(','),
    name: 'gateway-e2e-probe',
    maxReconnectAttempts: 0,
    ...(password ? { user: 'gateway', pass: password, inboxPrefix: inboxPrefixOf('gateway') } : {}),
  });
  try {
    await new BusClient(connection, timeoutMs, new BusSigner(DEVELOPMENT_BUS_SIGNING_KEY, 'gateway')).send(
      SystemSubjects[name].ping,
      {},
    );
  } finally {
    await connection.close();
  }
}

/**
 * Starts a bus service in this process, as `main.js serve` would, and resolves once it answers its
 * ping (its subscriptions have reached the NATS server). Its migrations must have been applied.
 */
export async function startTestService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  overrides: Env = {},
): Promise<RunningService> {
  const service = await startService(
    definition,
    e2eEnv({ OPS_PORT: '0', OPS_HOST: '127.0.0.1', ...overrides }),
  );
  try {
    await eventually(() => pingService(definition.name, 500, overrides), { timeoutMs: 5000 });
  } catch (error) {
    await service.close();
    throw error;
  }
  return service;
}

/** Retries `fn` until it stops throwing (default: 5 s, every 25 ms), instead of a fixed sleep. */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() + intervalMs > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** RFC 9457 problem details as the gateway answers every error. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  requestId: string;
  errorId?: string;
  /** Type `plan-limit`: the limit that refused. */
  limit?: string;
}

/** Asserts a problem+json answer with the given status, and returns its body. */
export async function expectProblem(response: Response, status: number): Promise<Problem> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({ status, type: expect.stringMatching(/^https?:\/\//) as unknown });
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  expect(problem.requestId).toBe(response.headers.get('x-request-id'));
  // Never a stack trace in an answer.
  expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/);
  return problem;
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<{ response: Response; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text}`);
  return { response, body: JSON.parse(text) as T };
}

/** A valid JSON document of about `size` bytes, gzipped: tiny on the wire, large once inflated. */
export function gzipBomb(size: number): Buffer {
  return gzipSync(`{"padding":"${'0'.repeat(size)}"}`, { level: 9 });
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
