// Writes a Helm chart's default values (its values.yaml) as JSON beside this script, for
// `npm run k8s:check` to refuse keys of an example values file that the chart does not have (a typo'd
// key is silently ignored by Helm). Keys under an empty map in the defaults (`merge: {}`, `env: {}`)
// are free-form.
//   node deploy/k8s/schemas/import-chart-values.mjs <values.yaml> <chart> "<where it came from>"
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const [file, chart, source] = process.argv.slice(2);
if (!file || !chart || !source) {
  console.error(
    'usage: node import-chart-values.mjs <values.yaml> <chart> "<source: repository, path, version>"',
  );
  process.exit(2);
}
const out = {
  $comment: `default values of the ${chart} Helm chart, from ${source}`,
  values: load(readFileSync(file, 'utf8')),
};
const name = `${chart}-chart-values.json`;
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), name), `${JSON.stringify(out, null, 1)}\n`);
console.log(name);
