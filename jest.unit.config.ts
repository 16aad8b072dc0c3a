import type { Config } from 'jest';
import { preset } from './jest.preset';

/** Unit tests: pure logic, no servers; `*.spec.ts` beside the code. */
const config: Config = {
  ...preset,
  displayName: 'unit',
  testMatch: ['**/*.spec.ts'],
};

export default config;
