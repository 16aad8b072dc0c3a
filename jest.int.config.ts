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
  setupFilesAfterEnv: ['<rootDir>/libs/testing/jest/suite-isolation.ts'],
};

export default config;
