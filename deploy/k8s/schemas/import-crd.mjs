// Writes the schema of a CustomResourceDefinition's stored version as a JSON file beside this script,
// for `npm run k8s:check` to validate custom resources offline. Refresh a schema when the operator
// is upgraded:
//   node deploy/k8s/schemas/import-crd.mjs <crd.yaml> "<where it came from>"
// The schema is kept as the CRD states it but for its descriptions (documentation, not rules);
// check.mjs adds the API server's pruning of unknown fields.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';

const [file, source] = process.argv.slice(2);
if (!file || !source) {
  console.error('usage: node import-crd.mjs <crd.yaml> "<source: repository, path, version>"');
  process.exit(2);
}
// YAML merge keys (`<<: *anchor`, which the Altinity CRDs use) resolved by hand: js-yaml leaves them
// as a `<<` property.
const mergeKeys = (node) => {
  if (Array.isArray(node)) return node.map(mergeKeys);
  if (node === null || typeof node !== 'object') return node;
  const { '<<': merged, ...own } = node;
  const bases = merged === undefined ? [] : [merged].flat();
  return Object.fromEntries(
    Object.entries(Object.assign({}, ...bases, own)).map(([key, value]) => [key, mergeKeys(value)]),
  );
};
const text = readFileSync(file, 'utf8').replaceAll('!!merge <<:', '<<:');
const crd = loadAll(text)
  .map(mergeKeys)
  .find((doc) => doc?.kind === 'CustomResourceDefinition');
if (!crd) throw new Error(`${file}: no CustomResourceDefinition`);
const strip = (node) => {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'description' && typeof value === 'string'))
      .map(([key, value]) => [key, strip(value)]),
  );
};
const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
const { group, names } = crd.spec;
const out = {
  $comment: `openAPIV3Schema of ${names.kind} ${group}/${version.name}, from ${source}`,
  'x-kubernetes-group-version-kind': [{ group, version: version.name, kind: names.kind }],
  ...strip(version.schema.openAPIV3Schema),
};
const name = `${group}_${version.name}_${names.kind.toLowerCase()}.json`;
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), name), `${JSON.stringify(out, null, 1)}\n`);
console.log(name);
