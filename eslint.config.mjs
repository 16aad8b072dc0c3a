import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const allTypes = ['type:feature', 'type:data-access', 'type:util', 'type:contracts'];
const scopes = [
  'gateway',
  'identity',
  'tenancy',
  'keys',
  'chains',
  'ingestion',
  'analytics',
  'notifications',
  'console',
];
// Test files: specs, and the helpers beside them under apps/*/test. Only they may import type:test libs.
const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'apps/*/test/**/*.ts'];

/** The module-boundaries rule; `more` are tags that every project may depend on besides its layer's own. */
function moduleBoundaries(more) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      banTransitiveDependencies: false,
      depConstraints: [
        // Layers: apps on top, contracts at the bottom; apps never import apps.
        {
          sourceTag: 'type:app',
          onlyDependOnLibsWithTags: [...allTypes, ...more],
          notDependOnLibsWithTags: ['type:app'],
        },
        { sourceTag: 'type:feature', onlyDependOnLibsWithTags: [...allTypes, ...more] },
        {
          sourceTag: 'type:data-access',
          onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contracts', ...more],
        },
        { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', ...more] },
        { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', ...more] },
        // Test helpers (libs/testing) stand on the production libs, never on an app.
        { sourceTag: 'type:test', onlyDependOnLibsWithTags: [...allTypes, 'type:test'] },
        // Scopes: a service sees its own code and the shared libs; other services only via contracts.
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        ...scopes.map((scope) => ({
          sourceTag: `scope:${scope}`,
          onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
        })),
      ],
    },
  ];
}

export default [
  {
    ignores: ['**/dist', '**/node_modules', '.data', '.nx', 'coverage', 'deploy/**/*.mjs', 'deploy/**/*.js'],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts', 'apps/console/**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries([]),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|describe|test)$/]",
          message: 'No .only in committed tests',
        },
      ],
    },
  },
  {
    // libs/testing (type:test) is for tests only: production code cannot import it.
    files: testFiles,
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(['type:test']) },
  },
  {
    // Only config classes read the environment.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/config/**', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through the app config class' },
      ],
    },
  },
  prettier,
];
