import {
  analyticsService,
  chainsService,
  identityService,
  ingestionService,
  keysService,
  notificationsService,
  tenancyService,
} from './platform-services';
import { type ServiceConfig } from '@northstar/config';
import type { ServiceName } from '@northstar/contracts';
import type { RunningService, ServiceDefinition } from '@northstar/service-runtime';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { e2eClickhouseEnv, startTestGateway, startTestService, type Env, migrateService } from './support';

/** Every service, migrated and started behind one gateway, for suites that walk the whole API. */
export interface WholePlatform {
  gateway: RunningGateway;
  url: string;
  /** A running service, for a suite that must act as that service would (started ones only). */
  service(name: ServiceName): RunningService;
  close(): Promise<void>;
}

/**
 * Migrates and starts identity, tenancy, keys, chains, notifications, ingestion and analytics, then a
 * gateway with `gatewayOverrides`, each service with its `serviceOverrides` (identity's platform
 * admins, say).
 * `name` keeps this suite's queues apart; its emails are files in a temporary folder, out of the
 * repository, removed by `close`.
 */
export async function startWholePlatform(
  name: string,
  gatewayOverrides: Env = {},
  serviceOverrides: Partial<Record<ServiceName, Env>> = {},
): Promise<WholePlatform> {
  const mailDir = mkdtempSync(join(tmpdir(), `northstar-e2e-${name}-`));
  const env = {
    ...e2eClickhouseEnv(),
    QUEUE_PREFIX: `e2e-${name}-${randomBytes(4).toString('hex')}`,
    MAIL_DIR: mailDir,
  };
  const migrate = <C extends ServiceConfig>(definition: ServiceDefinition<C>) =>
    migrateService(definition, { ...env, ...serviceOverrides[definition.name] });
  // Ingestion's migration creates the events table that analytics reads: it goes first.
  await migrate(identityService);
  await migrate(tenancyService);
  await migrate(keysService);
  await migrate(chainsService);
  await migrate(notificationsService);
  await migrate(ingestionService);
  await migrate(analyticsService);
  const services: RunningService[] = [];
  const byName = new Map<ServiceName, RunningService>();
  const start = async <C extends ServiceConfig>(definition: ServiceDefinition<C>, overrides: Env = {}) => {
    const running = await startTestService(definition, {
      ...overrides,
      ...serviceOverrides[definition.name],
    });
    services.push(running);
    byName.set(definition.name, running);
  };
  const stopServices = async () => {
    for (const service of services.reverse()) await service.close();
    rmSync(mailDir, { recursive: true, force: true });
  };
  try {
    await start(identityService);
    await start(tenancyService);
    await start(keysService);
    await start(chainsService);
    await start(notificationsService, env);
    await start(ingestionService, env);
    await start(analyticsService, env);
    const gateway = await startTestGateway(gatewayOverrides);
    return {
      gateway,
      url: gateway.url,
      service: (name) => {
        const running = byName.get(name);
        if (!running) throw new Error(`The ${name} service is not part of the whole platform`);
        return running;
      },
      close: async () => {
        await gateway.close();
        await stopServices();
      },
    };
  } catch (error) {
    await stopServices();
    throw error;
  }
}

/** The body of a 201, or an error naming what was being created. */
export async function created<T>(answer: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const { status, body } = await answer;
  if (status !== 201) throw new Error(`${what} answered ${status}: ${JSON.stringify(body)}`);
  return body;
}
