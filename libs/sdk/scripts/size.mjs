// The size budget of the core browser bundle (issue 16): minified + gzip at most 8 KB. The ESM build's
// modules are joined into one script (their import/export lines dropped, as a bundler would), minified
// with uglify-js when it is installed (else measured unminified: a stricter figure), then gzipped.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 8 * 1024;
const esm = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'esm');
const modules = ['types.js', 'env.js', 'queue.js', 'client.js', 'index.js'];
// Plugins are entry points of their own (`@northstar/sdk/web3`): loaded only by the apps that import
// them, so they are measured apart and do not count against the core's budget.
const plugins = ['web3.js'];
const unknown = readdirSync(esm).filter(
  (file) => file.endsWith('.js') && !modules.includes(file) && !plugins.includes(file),
);
if (unknown.length) throw new Error(`size.mjs does not know ${unknown.join(', ')}: add it in import order`);

/** Minified + gzip size of the given ESM modules joined into one script, and how it was measured. */
function measure(files) {
  const joined = files
    .map((file) => readFileSync(join(esm, file), 'utf8'))
    .join('\n')
    .replace(/^import[^;]*;$/gm, '')
    .replace(/^export \{[^}]*\}( from [^;]*)?;$/gm, '')
    .replace(/^export (?=const|function|class|let)/gm, '');
  let code = joined;
  let how = 'unminified (uglify-js not installed)';
  try {
    const uglify = createRequire(import.meta.url)('uglify-js');
    const result = uglify.minify(joined, {
      module: true,
      compress: { passes: 2 },
      mangle: true,
      toplevel: false,
    });
    if (result.error) throw result.error;
    code = result.code;
    how = 'minified';
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND') throw error;
  }
  return { size: gzipSync(code, { level: 9 }).length, how };
}

const { size, how } = measure(modules);
console.log(`@northstar/sdk core: ${(size / 1024).toFixed(2)} KB gzip, ${how} (budget ${BUDGET / 1024} KB)`);
for (const plugin of plugins) {
  const measured = measure([plugin]);
  const name = plugin.replace(/\.js$/, '');
  console.log(
    `@northstar/sdk/${name} plugin: ${(measured.size / 1024).toFixed(2)} KB gzip, ${measured.how} (not in the core)`,
  );
}
if (size > BUDGET) {
  console.error('over the size budget');
  process.exit(1);
}
