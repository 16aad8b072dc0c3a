import 'reflect-metadata';
import {
  Logger,
  Module,
  type DynamicModule,
  type INestApplication,
  type LogLevel,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig, type ServiceConfig } from '@northstar/config';
import { SystemSubjects, type ServiceName } from '@northstar/contracts';
import {
  assertBusHandlers,
  BusCallerGuard,
  BusExceptionFilter,
  createValidationPipe,
  MessagingModule,
  natsIdentity,
  natsReconnectOptions,
} from '@northstar/messaging';
import { BusContextInterceptor } from './bus-context.interceptor';
import { RequestAwareLogger } from '@northstar/observability';
import { ServiceRuntimeModule } from './runtime.module';
import { platformVersion } from './version';

export interface ServiceDefinition<C extends ServiceConfig> {
  name: ServiceName;
  configClass: new () => C;
  /** The service's own module, built from its validated configuration. */
  module: (config: C) => DynamicModule | Type<unknown>;
  /** Request subjects the service declares in the contract; each must have a handler. */
  subjects: readonly string[];
  /** Applies the service's migrations and seeds, then resolves. */
  migrate?: (config: C) => Promise<void>;
}

export interface RunningService {
  app: INestApplication;
  /** Base URL of the /health, /ready, /metrics listener. */
  opsUrl: string;
  close(): Promise<void>;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function logLevelsFrom(level: string): LogLevel[] {
  const index = LEVELS.indexOf(level as LogLevel);
  return LEVELS.slice(0, index < 0 ? 4 : index + 1);
}

/** Builds and starts one service: NATS microservice in the service's queue group plus the ops listener. */
export async function startService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  env?: Record<string, string | undefined>,
): Promise<RunningService> {
  const config = loadConfig(definition.configClass, env);
  const version = platformVersion();

  @Module({
    imports: [
      MessagingModule.forRoot({
        natsUrl: config.NATS_URL,
        clientName: definition.name,
        requestTimeoutMs: config.BUS_TIMEOUT_MS,
        signingKey: config.BUS_SIGNING_KEY,
        credentials: { user: config.NATS_USER, password: config.NATS_PASSWORD },
        streamReplicas: config.NATS_STREAM_REPLICAS,
      }),
      ServiceRuntimeModule.forService(definition.name, version),
      definition.module(config),
    ],
  })
  class ServiceRootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, new FastifyAdapter(), {
    logger: new RequestAwareLogger(definition.name, { logLevels: logLevelsFrom(config.LOG_LEVEL) }),
    // Thrown to the caller (runProcess exits with the reason) rather than process.exit inside Nest.
    abortOnError: false,
  });
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.NATS,
      // The queue group makes N replicas of a service share its requests instead of all answering.
      options: {
        // Its own connection: without these it would give up after nats.js's default 10 tries.
        ...natsReconnectOptions(config.NATS_URL),
        queue: definition.name,
        name: `${definition.name}-server`,
        ...natsIdentity(definition.name, { user: config.NATS_USER, password: config.NATS_PASSWORD }),
      },
    },
    { deferInitialization: true },
  ); // so that the bus-only globals below are registered before its listeners
  microservice.useGlobalPipes(createValidationPipe());
  microservice.useGlobalFilters(new BusExceptionFilter());
  microservice.useGlobalInterceptors(app.get(BusContextInterceptor));
  // Before any pipe or handler: a message without a valid caller assertion is not acted on.
  microservice.useGlobalGuards(app.get(BusCallerGuard));

  try {
    await app.init();
    // app.init() ran every lifecycle hook of the shared container; without this flag the deferred
    // microservice runs them all again when it starts (two consumers, two workers, ...). With it each
    // hook runs once (bootstrap.int-spec.ts), so providers need no guard against a second call.
    (microservice as unknown as { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(true);
    assertBusHandlers(app, definition.name, [...definition.subjects, SystemSubjects[definition.name].ping]);
    await app.startAllMicroservices();
    await app.listen(config.OPS_PORT, config.OPS_HOST);
  } catch (error) {
    // Release the bus connection and pools opened so far, so that a failed start leaks nothing.
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.OPS_PORT;
  return { app, opsUrl: `http://${config.OPS_HOST}:${port}`, close: () => app.close() };
}

/**
 * Runs a process until SIGTERM/SIGINT, then closes it cleanly. A failure to start (bad config, a
 * missing handler, an unreachable dependency) exits 1 with the reason.
 */
export function runProcess(name: string, start: () => Promise<{ close(): Promise<void> } | void>): void {
  const logger = new Logger(name);
  const fail = (error: unknown): never => {
    if (error instanceof ConfigError) logger.error(error.message);
    else logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  };
  start().then((running) => {
    // A one-shot command (migrate) is done: exit rather than wait for idle pools to time out.
    if (!running) process.exit(0);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal} received, draining`);
      running.close().then(() => process.exit(0), fail);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  }, fail);
}

/** The entry point of every service binary: `main.js` serves, `main.js migrate` migrates and exits. */
export function runService<C extends ServiceConfig>(definition: ServiceDefinition<C>): void {
  const logger = new Logger(definition.name);
  const command = process.argv[2] ?? 'serve';
  runProcess(definition.name, async () => {
    if (command === 'migrate') {
      if (definition.migrate) await definition.migrate(loadConfig(definition.configClass));
      logger.log('Migrations applied');
      return;
    }
    if (command !== 'serve') throw new Error(`Unknown command "${command}" (expected serve or migrate)`);
    const service = await startService(definition);
    logger.log(`Listening on the bus as "${definition.name}", ops on ${service.opsUrl}`);
    return service;
  });
}
