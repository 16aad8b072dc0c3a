import type { Config } from 'jest';
import { compilerOptions } from './tsconfig.base.json';

// `@northstar/<lib>` resolves to the lib's source, exactly as tsconfig's paths say.
const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths as Record<string, string[]>).map(([alias, [target]]) => [
    `^${alias}$`,
    `<rootDir>/${target}`,
  ]),
);

export const preset: Config = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // Transpile only: type checking is `npm run typecheck`'s job, and tests start much faster this way.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
    // A few dependencies ship ES modules only (content-disposition, under @fastify/static): compile them to CommonJS.
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.data/'],
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
};
