#!/usr/bin/env node
// npm run k8s:check: every Kubernetes manifest of deploy/k8s, rendered as `kubectl apply -k` would
// apply it, validated offline against the Kubernetes API's schemas and the CRDs' (KEDA, Altinity)
// vendored in deploy/k8s/schemas, with unknown fields refused (the API server would drop them
// silently), then checked for what Northstar's own rules ask of them: probes, resources, non-root pods,
// one autoscaler and one disruption budget per service, every Secret/ConfigMap reference resolvable.
//
//   node deploy/k8s/check.mjs            # a report; exit 1 on any problem
//   node deploy/k8s/check.mjs --json     # the rendered documents and the problems, for the unit test
//   --renderer=kubectl|node              # default: kubectl when on the PATH (its kustomize), else
//                                        # render.mjs (the subset of Kustomize deploy/k8s uses)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { loadAll } from 'js-yaml';
import { renderKustomization } from './render.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const schemasDir = join(here, 'schemas');

/** The kustomizations an operator applies: the base and any overlay next to it. */
export function kustomizations() {
  const overlays = join(here, 'overlays');
  return [
    join(here, 'base'),
    ...(existsSync(overlays)
      ? readdirSync(overlays, { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => join(overlays, entry.name))
      : []),
  ];
}

function hasKubectl() {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function render(dir, renderer) {
  if (renderer === 'kubectl') {
    return loadAll(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).filter(Boolean);
  }
  return renderKustomization(dir);
}

// --- schemas ---------------------------------------------------------------------------------------

/**
 * What the API server does that a plain JSON-schema validator does not: unknown fields are refused
 * (the server would prune them: a typo'd field is silently ignored), except where a schema keeps
 * them; int-or-string and quantities take both forms.
 */
function harden(node) {
  if (Array.isArray(node)) return node.map(harden);
  if (node === null || typeof node !== 'object') return node;
  const out = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === 'properties' ? mapValues(value, harden) : harden(value),
    ]),
  );
  if (out.format === 'int-or-string' || out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    delete out.format;
    if (!out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(object, fn) {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, fn(value)]));
}

/** The OpenAPI formats the schemas use that JSON Schema does not define. */
const FORMATS = {
  int32: { type: 'number', validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n) => Number.isInteger(n) },
  float: { type: 'number', validate: () => true },
  double: { type: 'number', validate: () => true },
  byte: /^[A-Za-z0-9+/]*={0,2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
};

export function loadValidators() {
  const ajv = new Ajv({
    allErrors: true,
    nullable: true,
    jsonPointers: true,
    extendRefs: true,
    formats: FORMATS,
  });
  const validators = new Map();
  for (const file of readdirSync(schemasDir).filter((name) => name.endsWith('.json'))) {
    const schema = JSON.parse(readFileSync(join(schemasDir, file), 'utf8'));
    if (schema.values) continue; // a Helm chart's defaults: see chartValueProblems
    if (schema.kinds) {
      // The Kubernetes API: one document of definitions; a Quantity is a string or a number.
      const definitions = harden(schema.definitions);
      definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = {
        anyOf: [{ type: 'string' }, { type: 'number' }],
      };
      ajv.addSchema({ $id: file, definitions });
      for (const [gvk, name] of Object.entries(schema.kinds)) {
        validators.set(gvk, ajv.compile({ $ref: `${file}#/definitions/${name}` }));
      }
    } else {
      const [{ group, version, kind }] = schema['x-kubernetes-group-version-kind'];
      const { $comment, 'x-kubernetes-group-version-kind': _gvk, ...openApi } = schema;
      validators.set(`${group}/${version}/${kind}`, ajv.compile(harden(openApi)));
    }
  }
  return validators;
}

const gvkOf = (doc) => `${doc.apiVersion}/${doc.kind}`;
const nameOf = (doc) => `${doc.kind}/${doc.metadata?.name}`;

function schemaProblems(docs, validators) {
  const problems = [];
  for (const doc of docs) {
    const validate = validators.get(gvkOf(doc));
    if (!validate) {
      problems.push(`${nameOf(doc)}: no schema for ${gvkOf(doc)} (deploy/k8s/schemas/import-*.mjs)`);
      continue;
    }
    if (!validate(doc)) {
      for (const error of validate.errors) {
        const extra = error.params?.additionalProperty ? ` (${error.params.additionalProperty})` : '';
        problems.push(`${nameOf(doc)}: ${error.dataPath || '/'} ${error.message}${extra}`);
      }
    }
  }
  return problems;
}

/**
 * Keys of a Helm values file the chart does not have, which Helm would ignore without a word. Under
 * a map that is empty in the chart's defaults (`merge: {}`, `env: {}`) anything goes.
 */
export function chartValueProblems(values, defaults, path = '') {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return [];
  if (defaults !== null && typeof defaults === 'object' && Object.keys(defaults).length === 0) return [];
  return Object.entries(values).flatMap(([key, value]) =>
    defaults !== null && typeof defaults === 'object' && key in defaults
      ? chartValueProblems(value, defaults[key], `${path}.${key}`)
      : [`${path}.${key}: not a value of the chart`],
  );
}

// --- Northstar's rules -----------------------------------------------------------------------------

const matches = (selector = {}, labels = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Every Secret key and ConfigMap a pod, a KEDA trigger or the operator's example refers to exists. */
function referenceProblems(docs, where) {
  const problems = [];
  const secrets = new Map(
    docs
      .filter((d) => d.kind === 'Secret')
      .map((d) => [d.metadata.name, new Set(Object.keys({ ...d.data, ...d.stringData }))]),
  );
  const configMaps = new Set(docs.filter((d) => d.kind === 'ConfigMap').map((d) => d.metadata.name));
  const walk = (node, path) => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${path}/${i}`));
    if (node === null || typeof node !== 'object') return;
    const secretKey = node.secretKeyRef ?? (path.includes('secretTargetRef') && node.key ? node : undefined);
    if (secretKey && !secrets.get(secretKey.name)?.has(secretKey.key)) {
      problems.push(`${where(path)}: no key ${secretKey.key} in Secret ${secretKey.name}`);
    }
    if (node.secretRef && !secrets.has(node.secretRef.name))
      problems.push(`${where(path)}: no Secret ${node.secretRef.name}`);
    if (node.configMapRef && !configMaps.has(node.configMapRef.name)) {
      problems.push(`${where(path)}: no ConfigMap ${node.configMapRef.name}`);
    }
    for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
  };
  return { walk, problems, secrets };
}

function serviceProblems(docs) {
  const problems = [];
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  const scalers = docs.filter((d) => d.kind === 'HorizontalPodAutoscaler' || d.kind === 'ScaledObject');
  for (const scaler of scalers) {
    if (!deployments.some((d) => d.metadata.name === scaler.spec.scaleTargetRef.name)) {
      problems.push(`${nameOf(scaler)}: scales ${scaler.spec.scaleTargetRef.name}, not a Deployment here`);
    }
  }
  for (const deployment of deployments) {
    const name = nameOf(deployment);
    const pod = deployment.spec.template;
    if (!matches(deployment.spec.selector.matchLabels, pod.metadata.labels))
      problems.push(`${name}: selector misses its pods`);
    const scaledBy = scalers.filter((s) => s.spec.scaleTargetRef.name === deployment.metadata.name);
    if (scaledBy.length !== 1) problems.push(`${name}: ${scaledBy.length} autoscalers (one expected)`);
    if (deployment.spec.replicas !== undefined)
      problems.push(`${name}: fixed replicas, which fight its autoscaler`);
    const budgets = docs.filter(
      (d) => d.kind === 'PodDisruptionBudget' && matches(d.spec.selector.matchLabels, pod.metadata.labels),
    );
    if (budgets.length !== 1) problems.push(`${name}: ${budgets.length} PodDisruptionBudgets (one expected)`);
    if (
      !docs.some(
        (d) => d.kind === 'Service' && d.spec.selector && matches(d.spec.selector, pod.metadata.labels),
      )
    ) {
      problems.push(`${name}: no Service`);
    }
    if (pod.spec.securityContext?.runAsNonRoot !== true) problems.push(`${name}: pods may run as root`);
    for (const container of pod.spec.containers) {
      const at = `${name} container ${container.name}`;
      const ports = new Set((container.ports ?? []).map((p) => p.name));
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const port = container[probe]?.httpGet?.port;
        if (!container[probe]) problems.push(`${at}: no ${probe}`);
        else if (typeof port === 'string' && !ports.has(port))
          problems.push(`${at}: ${probe} on unknown port ${port}`);
      }
      const { requests = {}, limits = {} } = container.resources ?? {};
      if (!requests.cpu || !requests.memory || !limits.memory)
        problems.push(`${at}: needs cpu and memory requests and a memory limit`);
      const security = container.securityContext ?? {};
      if (security.readOnlyRootFilesystem !== true || security.allowPrivilegeEscalation !== false) {
        problems.push(`${at}: root filesystem writable or privilege escalation allowed`);
      }
    }
  }
  return problems;
}

// --- the run ---------------------------------------------------------------------------------------

/** Everything wrong with one rendered kustomization. */
export function problemsOf(docs, source, validators = loadValidators()) {
  const refs = referenceProblems(docs, (path) => `${source}${path}`);
  docs.forEach((doc) => refs.walk(doc, `:${nameOf(doc)}`));
  return [
    ...schemaProblems(docs, validators).map((p) => `${source}: ${p}`),
    ...serviceProblems(docs).map((p) => `${source}: ${p}`),
    ...refs.problems,
  ];
}

export function check({ renderer = hasKubectl() ? 'kubectl' : 'node' } = {}) {
  const validators = loadValidators();
  const rendered = [];
  const problems = [];
  for (const dir of kustomizations()) {
    const source = relative(root, dir);
    const docs = render(dir, renderer);
    rendered.push({ source, documents: docs });
    problems.push(...problemsOf(docs, source, validators));
  }

  // The examples: custom resources against their CRDs; the NATS chart's values for their Secret keys.
  const base = rendered[0].documents;
  const examples = join(here, 'examples');
  for (const file of readdirSync(examples).filter((name) => name.endsWith('.yaml'))) {
    const source = relative(root, join(examples, file));
    const docs = loadAll(readFileSync(join(examples, file), 'utf8')).filter(Boolean);
    const resources = docs.filter((doc) => doc.apiVersion && doc.kind);
    rendered.push({ source, documents: docs });
    problems.push(...schemaProblems(resources, validators).map((p) => `${source}: ${p}`));
    const refs = referenceProblems(base, (path) => `${source}${path}`);
    docs.forEach((doc) => refs.walk(doc, ''));
    problems.push(...refs.problems);
    // <chart>-values.yaml: Helm values, checked against the chart's defaults when they are vendored.
    const chartDefaults = join(schemasDir, file.replace(/-values\.yaml$/, '-chart-values.json'));
    if (file.endsWith('-values.yaml') && existsSync(chartDefaults)) {
      const { values } = JSON.parse(readFileSync(chartDefaults, 'utf8'));
      problems.push(...docs.flatMap((doc) => chartValueProblems(doc, values)).map((p) => `${source}: ${p}`));
    }
  }
  return { renderer, rendered, problems };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--stdin')) {
  // The unit test's way in: sets of documents as JSON on stdin, each set's problems as JSON on stdout.
  const validators = loadValidators();
  const sets = JSON.parse(readFileSync(0, 'utf8'));
  process.stdout.write(JSON.stringify(sets.map((docs) => problemsOf(docs, 'stdin', validators))));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const option = process.argv.find((arg) => arg.startsWith('--renderer='));
  const result = check(option ? { renderer: option.split('=')[1] } : {});
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(result));
  } else {
    for (const { source, documents } of result.rendered)
      console.log(`${source}: ${documents.length} documents`);
    for (const problem of result.problems) console.error(`  ${problem}`);
    console.log(
      result.problems.length
        ? `${result.problems.length} problems (rendered with ${result.renderer})`
        : `valid (rendered with ${result.renderer})`,
    );
  }
  process.exitCode = result.problems.length ? 1 : 0;
}
