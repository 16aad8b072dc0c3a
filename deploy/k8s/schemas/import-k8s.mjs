// Writes the Kubernetes API schemas of the kinds Northstar's manifests use (and everything they
// reference) as one JSON file beside this script, for `npm run k8s:check` to validate offline. The
// source is the API's own OpenAPI document (swagger.json, e.g. kubernetes/swagger.json.unprocessed of
// kubernetes-client/python for a release). Descriptions are dropped: documentation, not rules.
//   node deploy/k8s/schemas/import-k8s.mjs <swagger.json> <kubernetes version> "<where it came from>"
// Add a kind here (and to KINDS) when a manifest starts using it.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KINDS = [
  'v1/Namespace',
  'v1/ConfigMap',
  'v1/Secret',
  'v1/Service',
  'apps/v1/Deployment',
  'batch/v1/Job',
  'policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler',
];

const [file, version, source, ...extra] = process.argv.slice(2);
if (!file || !version || !source) {
  console.error(
    'usage: node import-k8s.mjs <swagger.json> <kubernetes version> "<source>" [group/version/Kind ...]',
  );
  process.exit(2);
}
const { definitions } = JSON.parse(readFileSync(file, 'utf8'));

const gvkOf = (definition) =>
  (definition['x-kubernetes-group-version-kind'] ?? []).map(({ group, version: v, kind }) =>
    [group, v, kind].filter(Boolean).join('/'),
  );
const kinds = {};
for (const [name, definition] of Object.entries(definitions)) {
  for (const gvk of gvkOf(definition)) if ([...KINDS, ...extra].includes(gvk)) kinds[gvk] = name;
}
const missing = [...KINDS, ...extra].filter((gvk) => !kinds[gvk]);
if (missing.length) throw new Error(`not in ${file}: ${missing.join(', ')}`);

const strip = (node) => {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'description' && typeof value === 'string'))
      .map(([key, value]) => [key, strip(value)]),
  );
};
const kept = {};
const visit = (name) => {
  if (kept[name]) return;
  kept[name] = strip(definitions[name]);
  JSON.stringify(definitions[name]).replace(/"#\/definitions\/([^"]+)"/g, (_, ref) => visit(ref));
};
Object.values(kinds).forEach(visit);

const out = {
  $comment: `Kubernetes ${version} API schemas (OpenAPI v2 definitions, descriptions dropped), from ${source}`,
  kinds,
  definitions: Object.fromEntries(
    Object.keys(kept)
      .sort()
      .map((name) => [name, kept[name]]),
  ),
};
const target = `kubernetes-${version}.json`;
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), target), `${JSON.stringify(out, null, 1)}\n`);
console.log(`${target}: ${Object.keys(kinds).length} kinds, ${Object.keys(kept).length} definitions`);
