#!/usr/bin/env node
// Compiles every app and lib with one incremental tsc run into dist/, makes the libs resolvable
// by their import names (@northstar/<lib>) from the compiled apps, then builds the web console.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
  cwd: root,
});

const scope = join(root, 'dist', 'node_modules', '@northstar');
rmSync(scope, { recursive: true, force: true });
mkdirSync(scope, { recursive: true });
for (const lib of readdirSync(join(root, 'libs'))) {
  const target = join(root, 'dist', 'libs', lib, 'src');
  if (!existsSync(join(target, 'index.js'))) continue;
  symlinkSync(relative(scope, target), join(scope, lib), 'dir');
}
// The web console (apps/console): a static folder, dist/console, that the gateway serves at /.
execFileSync(process.execPath, [join(root, 'apps', 'console', 'scripts', 'build.mjs')], {
  stdio: 'inherit',
  cwd: root,
});
console.log('build: dist/ is ready');
