import type { Config } from 'jest';
import { preset } from './jest.preset';

/**
 * Integration (`*.int-spec.ts`, a service over the real bus and stores) and end-to-end tests
 * (`apps/gateway/test/*.e2e-spec.ts`, over HTTP). They share the local servers, so they run in band.
 */
const config: Config = {
  ...preset,
  displayName: 'integration',
  testMatch: ['**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
  // One worker process, replaced after a suite that leaves it holding more than this: each suite
  // starts services in the process, and what they keep (module caches, buffers) added up over the 80
  // suites to the heap's limit, which aborted the whole run. (A limit runs the suites in a worker:
  // passing --runInBand would bring the single long-lived process back.)
  workerIdleMemoryLimit: '1536MB',
  setupFilesAfterEnv: ['<rootDir>/libs/testing/jest/suite-isolation.ts'],
};

export default config;
