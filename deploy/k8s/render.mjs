// The part of Kustomize (v5) that deploy/k8s uses, for `npm run k8s:check` where no kubectl is installed:
// resources (files and kustomization folders), namespace, labels (with includeSelectors and
// includeTemplates), JSON 6902 patches (inline or from a file, with targets and allowNameChange;
// strategic-merge patches are refused), configMapGenerator from env files (with Kustomize's content hash in the name, and
// references to it renamed), and images. Anything else in a kustomization is refused rather than
// ignored, so that a new feature is added here on purpose. The unit test renders deploy/k8s with both
// this and kubectl when kubectl is there and expects the same documents.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'labels',
  'patches',
  'configMapGenerator',
  'images',
]);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
]);

const clone = (value) => structuredClone(value);

/** Renders the kustomization in `dir` to its list of documents. */
export function renderKustomization(dir) {
  const { docs, generated } = build(dir);
  return renameGeneratedReferences(docs, generated);
}

function build(dir) {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((name) => join(dir, name))
    .find(existsSync);
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const k = load(readFileSync(file, 'utf8'));
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length)
    throw new Error(
      `${file}: ${unsupported.join(', ')} not supported by render.mjs (use kubectl, or add it)`,
    );

  let docs = [];
  const generated = new Map();
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    if (statSync(path).isDirectory()) {
      const sub = build(path);
      docs.push(...sub.docs);
      sub.generated.forEach((value, key) => generated.set(key, value));
    } else {
      docs.push(...loadAll(readFileSync(path, 'utf8')).filter(Boolean));
    }
  }
  for (const generator of k.configMapGenerator ?? []) {
    const data = {};
    for (const envFile of generator.envs ?? [])
      Object.assign(data, parseEnvFile(readFileSync(join(dir, envFile), 'utf8')));
    const name = `${generator.name}-${configMapHash(data)}`;
    generated.set(generator.name, name);
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
  }

  // Kustomize's order of built-in transformers: patches, namespace, labels, images.
  for (const patch of k.patches ?? []) docs = docs.map((doc) => applyPatch(doc, patch, dir));
  if (k.namespace) {
    for (const doc of docs) if (!CLUSTER_SCOPED.has(doc.kind)) doc.metadata.namespace = k.namespace;
  }
  for (const label of k.labels ?? []) for (const doc of docs) addLabels(doc, label);
  for (const image of k.images ?? []) for (const doc of docs) setImage(doc, image);
  return { docs, generated };
}

/** KEY=value lines; blank lines and # comments skipped (Kustomize's env file format). */
function parseEnvFile(text) {
  const data = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at < 0) throw new Error(`env file line without =: ${trimmed}`);
    data[trimmed.slice(0, at)] = trimmed.slice(at + 1);
  }
  return data;
}

/**
 * Kustomize's name suffix of a generated ConfigMap: SHA-256 of Go's JSON of {data, kind, name} (keys
 * sorted; <, > and & escaped as Go does), its first ten hex digits with a few letters swapped so
 * that it never reads as a number. The name is empty: Kustomize v5's hasher looks it up under a path
 * that finds nothing (checked against kubectl's output by the unit test).
 */
function configMapHash(data) {
  const name = '';
  const sorted = Object.fromEntries(
    Object.keys(data)
      .sort()
      .map((key) => [key, data[key]]),
  );
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const hex = createHash('sha256').update(json).digest('hex').slice(0, 10);
  const swap = { 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' };
  return [...hex].map((c) => swap[c] ?? c).join('');
}

function targets(doc, target = {}) {
  const anchored = (pattern, value) => new RegExp(`^(?:${pattern})$`).test(value ?? '');
  if (target.kind && !anchored(target.kind, doc.kind)) return false;
  if (target.name && !anchored(target.name, doc.metadata?.name)) return false;
  if (target.version && !anchored(target.version, doc.apiVersion.split('/').pop())) return false;
  if (
    target.group &&
    !anchored(target.group, doc.apiVersion.includes('/') ? doc.apiVersion.split('/')[0] : '')
  )
    return false;
  if (target.labelSelector || target.annotationSelector)
    throw new Error('patch target selectors are not supported by render.mjs');
  return true;
}

function applyPatch(doc, patch, dir) {
  if (!targets(doc, patch.target)) return doc;
  const text = patch.patch ?? readFileSync(join(dir, patch.path), 'utf8');
  const operations = load(text);
  if (!Array.isArray(operations)) throw new Error('only JSON 6902 patches are supported by render.mjs');
  const patched = clone(doc);
  for (const op of operations) applyOperation(patched, op);
  if (patched.metadata.name !== doc.metadata.name && !patch.options?.allowNameChange) {
    throw new Error(`${doc.kind}/${doc.metadata.name}: a patch renames it without options.allowNameChange`);
  }
  return patched;
}

function applyOperation(doc, { op, path, value }) {
  const keys = path
    .split('/')
    .slice(1)
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop();
  let parent = doc;
  for (const key of keys) {
    parent = parent?.[Array.isArray(parent) ? Number(key) : key];
    if (parent === undefined) throw new Error(`patch path ${path}: missing ${key}`);
  }
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (op === 'add') parent.splice(index, 0, clone(value));
    else if (op === 'replace') parent[index] = clone(value);
    else if (op === 'remove') parent.splice(index, 1);
    else throw new Error(`patch op ${op} not supported`);
  } else if (op === 'add' || op === 'replace') {
    if (op === 'replace' && !(last in parent)) throw new Error(`patch path ${path}: nothing to replace`);
    parent[last] = clone(value);
  } else if (op === 'remove') {
    delete parent[last];
  } else {
    throw new Error(`patch op ${op} not supported`);
  }
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** Kustomize's label fields for the kinds deploy/k8s has (commonLabels' field specs). */
function addLabels(doc, { pairs, includeSelectors = false, includeTemplates = false }) {
  const set = (object, key) => {
    object[key] = { ...(object[key] ?? {}), ...pairs };
  };
  set(doc.metadata, 'labels');
  if (!includeSelectors && !includeTemplates) return;
  const spec = doc.spec ?? {};
  if (WORKLOADS.has(doc.kind) && spec.template) {
    spec.template.metadata ??= {};
    set(spec.template.metadata, 'labels');
  }
  if (!includeSelectors) return;
  if (doc.kind === 'Service') set(spec, 'selector');
  if ((WORKLOADS.has(doc.kind) && doc.kind !== 'Job') || doc.kind === 'PodDisruptionBudget') {
    spec.selector ??= {};
    set(spec.selector, 'matchLabels');
  }
  for (const constraint of spec.template?.spec?.topologySpreadConstraints ?? []) {
    constraint.labelSelector ??= {};
    set(constraint.labelSelector, 'matchLabels');
  }
}

function setImage(doc, { name, newName, newTag }) {
  const pod = doc.spec?.template?.spec;
  for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
    const [image, tag] = container.image.split(':');
    if (image !== name) continue;
    container.image = `${newName ?? image}${newTag ? `:${newTag}` : tag ? `:${tag}` : ''}`;
  }
}

/** References to a generated ConfigMap by its short name take its hashed name. */
function renameGeneratedReferences(docs, generated) {
  const rename = (ref) => {
    if (ref?.name && generated.has(ref.name)) ref.name = generated.get(ref.name);
  };
  for (const doc of docs) {
    const pod = doc.spec?.template?.spec;
    if (!pod) continue;
    for (const container of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
      for (const from of container.envFrom ?? []) rename(from.configMapRef);
      for (const env of container.env ?? []) rename(env.valueFrom?.configMapKeyRef);
    }
    for (const volume of pod.volumes ?? []) rename(volume.configMap);
  }
  return docs;
}
