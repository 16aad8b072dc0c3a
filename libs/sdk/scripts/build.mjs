// Builds the SDK into libs/sdk/dist: ESM (dist/esm), CommonJS (dist/cjs) and declarations (dist/types),
// with the TypeScript compiler of the repository (no bundler needed: the package is a few modules).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = join(root, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
const project = join(root, 'tsconfig.lib.json');

rmSync(dist, { recursive: true, force: true });
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', project, ...args], { stdio: 'inherit' });
run('--module', 'es2020', '--outDir', join(dist, 'esm'));
run('--module', 'commonjs', '--outDir', join(dist, 'cjs'));
run('--declaration', '--emitDeclarationOnly', '--outDir', join(dist, 'types'));

// Node's ES module loader wants file extensions on relative imports; TypeScript keeps them as written.
for (const file of readdirSync(join(dist, 'esm'))) {
  const path = join(dist, 'esm', file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/(from\s+'\.\/[\w-]+)'/g, "$1.js'"));
}
// The package is "type": "module"; the CommonJS folder says otherwise for itself.
writeFileSync(join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
console.log('built libs/sdk/dist (esm, cjs, types)');
