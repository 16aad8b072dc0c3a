import type { ServiceConfig } from '@northstar/config';
import { SystemSubjects } from '@northstar/contracts';
import { startService, type RunningService, type ServiceDefinition } from '@northstar/service-runtime';
import { connectTestBus } from './bus';
import { eventually } from './eventually';
import { testEnv, type TestEnv } from './env';

/**
 * Starts a service in this process against the test stores, as `main.js serve` would, and resolves
 * once it answers its ping over the bus (its subscriptions have reached the NATS server).
 * The caller closes it in afterAll.
 */
export async function startTestService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  overrides: TestEnv = {},
): Promise<RunningService> {
  const service = await startService(definition, testEnv(overrides));
  try {
    const probe = await connectTestBus(overrides);
    try {
      await eventually(() => probe.bus.send(SystemSubjects[definition.name].ping, {}, { timeoutMs: 500 }), {
        timeoutMs: 5000,
      });
    } finally {
      await probe.close();
    }
  } catch (error) {
    await service.close();
    throw error;
  }
  return service;
}
