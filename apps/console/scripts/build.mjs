#!/usr/bin/env node
// Builds the console into dist/console with Vite, then prints what a first visit downloads (the entry
// script and the chunks it preloads, gzipped) and fails when that passes the budget.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const BUDGET_BYTES = 250 * 1024;
const consoleDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(consoleDir, '../../dist/console');

// Always the production build of React: `npm test` exports NODE_ENV=test before `npm run build`, and
// Vite would otherwise bundle React's development build (twice the size, slower).
process.env.NODE_ENV = 'production';
await build({
  mode: 'production',
  root: consoleDir,
  configFile: join(consoleDir, 'vite.config.mts'),
  logLevel: 'warn',
});

const html = readFileSync(join(outDir, 'index.html'), 'utf8');
const scripts = [
  ...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\/([^"]+\.js)"/g),
].map((match) => match[1]);
let total = 0;
for (const file of scripts) total += gzipSync(readFileSync(join(outDir, file))).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(
  `console: dist/console built; initial JS ${kb(total)} gzip (${scripts.length} files, budget ${kb(BUDGET_BYTES)})`,
);
if (total > BUDGET_BYTES) {
  console.error(`console: the initial JS is over its budget of ${kb(BUDGET_BYTES)} gzip`);
  process.exit(1);
}
