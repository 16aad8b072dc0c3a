import { Entity, PrimaryKey } from '@mikro-orm/core';
import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import {
  ConfigError,
  DEVELOPMENT_BUS_SIGNING_KEY,
  loadConfig,
  ServiceConfig,
  WithPostgres,
  WithRedis,
} from '@northstar/config';
import { BusErrorCode, DomainException, SystemSubjects, type PingRequest } from '@northstar/contracts';
import { BusClient, BusSigner, connectNats, NATS_CONNECTION } from '@northstar/messaging';
import { migratePostgres, PostgresModule } from '@northstar/persistence';
import { RedisModule } from '@northstar/redis';
import { randomBytes } from 'node:crypto';
import { Empty, ErrorCode, NatsError, type NatsConnection } from 'nats';
import { startService, type RunningService, type ServiceDefinition } from './bootstrap';

// A bare service on the runtime, with PostgreSQL and Redis like a real one, so that these tests
// check the runtime itself. (This lib cannot use @northstar/testing, which is built on it.)
const NAME = 'notifications';
const ping = SystemSubjects[NAME].ping;
const NATS_URL = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';
const SCHEMA = 'runtime_test';

const env = (overrides: Record<string, string> = {}): Record<string, string | undefined> => ({
  NODE_ENV: 'test',
  NATS_URL,
  DATABASE_URL: process.env['DATABASE_URL'] || 'postgresql://postgres@127.0.0.1:5432/northstar_test',
  REDIS_URL: process.env['REDIS_URL'] || 'redis://127.0.0.1:6379/1',
  OPS_PORT: '0',
  BUS_TIMEOUT_MS: '2000',
  LOG_LEVEL: 'error',
  ...overrides,
});

class ProbeConfig extends WithRedis(WithPostgres(ServiceConfig)) {
  PROBE_SCHEMA = SCHEMA;
}

// MikroORM refuses to start without an entity; this one is never queried.
@Entity({ tableName: 'probe' })
class Probe {
  @PrimaryKey({ type: 'uuid' })
  id!: string;
}

const postgres = (config: ProbeConfig) => ({
  url: config.DATABASE_URL,
  schema: config.PROBE_SCHEMA,
  entities: [Probe],
  migrations: [],
});

@Module({})
class ProbeModule {
  static forConfig(config: ProbeConfig): DynamicModule {
    return {
      module: ProbeModule,
      imports: [
        PostgresModule.forService(postgres(config)),
        RedisModule.forRoot({ url: config.REDIS_URL, name: NAME }),
      ],
    };
  }
}

const probeService: ServiceDefinition<ProbeConfig> = {
  name: NAME,
  configClass: ProbeConfig,
  module: (config) => ProbeModule.forConfig(config),
  subjects: [],
  migrate: async (config) => {
    await migratePostgres(postgres(config));
  },
};

async function failure(request: Promise<unknown>): Promise<DomainException> {
  let response: unknown;
  try {
    response = await request;
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error(`Expected the request to fail, but it answered ${JSON.stringify(response)}`);
}

async function poll<T>(fn: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function handledCount(opsUrl: string, outcome: 'ok' | 'error'): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  const series = text
    .split('\n')
    .find(
      (line) =>
        line.startsWith('northstar_bus_messages_handled_seconds_count{') &&
        line.includes(`subject="${ping}"`) &&
        line.includes(`outcome="${outcome}"`) &&
        line.includes(`service="${NAME}"`),
    );
  return series ? Number(series.split(' ').pop()) : 0;
}

let connection: NatsConnection;
let bus: BusClient;

beforeAll(async () => {
  connection = await connectNats(NATS_URL, 'bootstrap-int-spec');
  bus = new BusClient(connection, 2000, new BusSigner(DEVELOPMENT_BUS_SIGNING_KEY, 'gateway'));
  // Subjects are global to the NATS server: another process serving them would answer for ours.
  const other = await connection.request(ping, Empty, { timeout: 500 }).then(
    () => 'answers',
    (error: unknown) =>
      error instanceof NatsError && error.code === ErrorCode.NoResponders ? null : 'is subscribed',
  );
  if (other)
    throw new Error(
      `Another ${NAME} service ${other} on this NATS server; these tests need it to themselves`,
    );
});

afterAll(async () => {
  if (connection && !connection.isClosed()) await connection.drain();
});

describe('a running service', () => {
  let service: RunningService;

  beforeAll(async () => {
    await probeService.migrate?.(loadConfig(ProbeConfig, env()));
    service = await startService(probeService, env());
    await poll(() => bus.send(ping, {}, { timeoutMs: 500 }));
  });

  afterAll(async () => {
    await service?.close();
  });

  it('is alive on /health', async () => {
    const response = await fetch(`${service.opsUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready on /ready with the bus, PostgreSQL and Redis up', async () => {
    const response = await fetch(`${service.opsUrl}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: {
        bus: { status: 'up', latencyMs: expect.any(Number) },
        postgres: { status: 'up', latencyMs: expect.any(Number) },
        redis: { status: 'up', latencyMs: expect.any(Number) },
      },
    });
  });

  it('answers its ping on the bus with its name and version', async () => {
    const answer = await bus.send(ping, { echo: 'hello' });
    expect(answer).toEqual({
      name: NAME,
      version: expect.any(String),
      uptimeSeconds: expect.any(Number),
      echo: 'hello',
    });
  });

  it('counts handled messages by subject and outcome on /metrics', async () => {
    const ok = await handledCount(service.opsUrl, 'ok');
    const failed = await handledCount(service.opsUrl, 'error');
    await bus.send(ping, {});
    const invalid = await failure(bus.send(ping, { echo: 42 } as unknown as PingRequest));
    expect(invalid.code).toBe(BusErrorCode.ValidationFailed);

    const response = await fetch(`${service.opsUrl}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toContain('northstar_bus_messages_handled_seconds');
    await poll(async () => {
      expect(await handledCount(service.opsUrl, 'ok')).toBeGreaterThanOrEqual(ok + 1);
      expect(await handledCount(service.opsUrl, 'error')).toBe(failed + 1);
    });
  });
});

describe('readiness', () => {
  it('answers 503 naming PostgreSQL when the service schema was never migrated', async () => {
    const unmigrated = `runtime_unmigrated_${randomBytes(4).toString('hex')}`;
    const service = await startService(
      {
        ...probeService,
        configClass: class extends ProbeConfig {
          override PROBE_SCHEMA = unmigrated;
        },
      },
      env(),
    );
    try {
      const response = await fetch(`${service.opsUrl}/ready`);
      expect(response.status).toBe(503);
      const report = (await response.json()) as {
        status: string;
        checks: Record<string, { status: string }>;
      };
      expect(report.status).toBe('not_ready');
      expect(report.checks['postgres']?.status).toBe('down');
      expect(report.checks['redis']?.status).toBe('up');
    } finally {
      await service.close();
    }
  });
});

describe('starting and stopping', () => {
  it('runs each lifecycle hook once, although the bus server starts after the app', async () => {
    const calls = { init: 0, bootstrap: 0 };
    @Injectable()
    class Counter {
      onModuleInit(): void {
        calls.init += 1;
      }
      onApplicationBootstrap(): void {
        calls.bootstrap += 1;
      }
    }
    @Module({ providers: [Counter] })
    class CountingModule {}

    const service = await startService(
      { name: NAME, configClass: ServiceConfig, module: () => CountingModule, subjects: [] },
      env(),
    );
    try {
      expect(calls).toEqual({ init: 1, bootstrap: 1 });
    } finally {
      await service.close();
    }
  });

  it('refuses to start when a declared subject has no handler, naming the subject', async () => {
    let leaked: NatsConnection | undefined;
    // Captures the bus connection the runtime opens, to check that a failed start closes it.
    @Injectable()
    class Capture {
      constructor(@Inject(NATS_CONNECTION) connection: NatsConnection) {
        leaked = connection;
      }
    }
    @Module({ providers: [Capture] })
    class NoHandlersModule {}

    const start = startService(
      {
        name: NAME,
        configClass: ServiceConfig,
        module: () => NoHandlersModule,
        subjects: ['notifications.rule.list'],
      },
      env(),
    );
    try {
      await expect(start).rejects.toThrow(
        'Service notifications declares subjects without a handler: notifications.rule.list',
      );
      expect(leaked).toBeDefined();
      expect(leaked?.isClosed()).toBe(true);
    } finally {
      if (leaked && !leaked.isClosed()) await leaked.close();
    }
  });

  it('refuses to start with a malformed setting, naming it', async () => {
    const start = startService(probeService, env({ BUS_TIMEOUT_MS: 'soon' }));
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(/BUS_TIMEOUT_MS/);
  });

  it('answers unavailable on the bus at once after it stopped', async () => {
    const service = await startService(probeService, env());
    await poll(() => bus.send(ping, {}, { timeoutMs: 500 }));
    await service.close();

    const started = Date.now();
    const error = await failure(bus.send(ping, {}));
    expect(error.code).toBe(BusErrorCode.Unavailable);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
