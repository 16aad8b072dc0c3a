import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const allTypes = ['type:feature', 'type:data-access', 'type:util', 'type:contracts'];
const scopes = ['gateway', 'identity', 'tenancy', 'keys', 'chains', 'ingestion', 'analytics', 'notifications'];

export default [
  { ignores: ['**/dist', '**/node_modules', '.data', '.nx', 'coverage', 'deploy/**/*.mjs', 'deploy/**/*.js'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: false,
          depConstraints: [
            // Layers: apps on top, contracts at the bottom; apps never import apps.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: allTypes, notDependOnLibsWithTags: ['type:app'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: allTypes },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contracts'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            // Scopes: a service sees its own code and the shared libs; other services only via contracts.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            ...scopes.map((scope) => ({
              sourceTag: `scope:${scope}`,
              onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
            })),
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|describe|test)$/]", message: 'No .only in committed tests' },
      ],
    },
  },
  {
    // Only config classes read the environment.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/config/**', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings through the app config class' }],
    },
  },
  prettier,
];
