import type { Config } from 'jest';
import { preset } from './jest.preset';

/**
 * Tests of the clustered shape (`*.cluster-spec.ts`, `npm run test:cluster`): each starts servers of
 * its own (three NATS nodes, say) and the platform on them, and breaks one. Too slow for `npm test`,
 * which CI runs; they share the local PostgreSQL, Redis and ClickHouse with the other tiers, so they
 * run one at a time.
 */
const config: Config = {
  ...preset,
  displayName: 'cluster',
  testMatch: ['**/*.cluster-spec.ts'],
  testTimeout: 15 * 60_000,
  maxWorkers: 1,
  setupFilesAfterEnv: ['<rootDir>/libs/testing/jest/suite-isolation.ts'],
};

export default config;
