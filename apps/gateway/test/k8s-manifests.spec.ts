import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS_STREAM } from '@northstar/contracts';
import { INGESTION_CONSUMER } from '@northstar/event-stream';

// deploy/k8s offline (issue 21): `npm run k8s:check` (deploy/k8s/check.mjs) renders the kustomization,
// validates every document against the Kubernetes and CRD schemas vendored in deploy/k8s/schemas and
// applies Northstar's rules. Here: that it passes, that it would catch what it is for, that the Node
// renderer agrees with kubectl's Kustomize, and that the autoscalers watch the stream, consumer and
// queues the code really uses.

const root = join(__dirname, '..', '..', '..');
const checkScript = join(root, 'deploy', 'k8s', 'check.mjs');

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary manifests
  [key: string]: unknown;
}
interface CheckResult {
  renderer: 'kubectl' | 'node';
  rendered: { source: string; documents: Doc[] }[];
  problems: string[];
}

function runCheck(renderer?: 'kubectl' | 'node'): CheckResult {
  const args = [checkScript, '--json', ...(renderer ? [`--renderer=${renderer}`] : [])];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (!result.stdout) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as CheckResult;
}

/** The problems check.mjs finds in each set of documents (one process for all: ajv compiles once). */
function problemsOf(sets: Doc[][]): string[][] {
  const out = execFileSync(process.execPath, [checkScript, '--stdin'], {
    input: JSON.stringify(sets),
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[][];
}

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const byName = (docs: Doc[], kind: string, name: string): Doc => {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!doc) throw new Error(`no ${kind}/${name}`);
  return doc;
};
/** A string constant of a service's source (apps may not import each other, tests included). */
const constantIn = (file: string, name: string): string => {
  const match = readFileSync(join(root, file), 'utf8').match(new RegExp(`${name}(?::[^=]+)? = '([^']+)'`));
  if (!match) throw new Error(`${name} not found in ${file}`);
  return match[1];
};

function documentsOf(result: CheckResult, source: string): Doc[] {
  const rendered = result.rendered.find((r) => r.source === source);
  if (!rendered) throw new Error(`${source} not rendered`);
  return rendered.documents;
}

describe('deploy/k8s', () => {
  const result = runCheck('node');
  const base = documentsOf(result, 'deploy/k8s/base');

  it('passes npm run k8s:check: schemas, CRDs, probes, resources, budgets, references', () => {
    expect(result.problems).toEqual([]);
    expect(base.length).toBeGreaterThan(30);
  });

  (hasKubectl ? it : it.skip)("renders exactly as kubectl's Kustomize does", () => {
    const key = (d: Doc): string => `${d.kind}/${d.metadata.name}`;
    const sorted = (docs: Doc[]): Doc[] => [...docs].sort((a, b) => key(a).localeCompare(key(b)));
    const kubectl = runCheck('kubectl');
    expect(kubectl.problems).toEqual([]);
    expect(sorted(kubectl.rendered[0].documents)).toEqual(sorted(base));
  });

  it('runs every service from the one template, with its own entry point and NATS user', () => {
    const services = readdirSync(join(root, 'apps')).filter((app) => {
      try {
        return /OPS_PORT = \d+/.test(readFileSync(join(root, 'apps', app, 'src', 'config.ts'), 'utf8'));
      } catch {
        return false;
      }
    });
    expect(services.length).toBe(8);
    for (const service of services) {
      const container = byName(base, 'Deployment', service).spec.template.spec.containers[0];
      expect(container.name).toBe(service);
      expect(container.args).toContain(`dist/apps/${service}/src/main.js`);
      const password = container.env.find((e: { name: string }) => e.name === 'NATS_PASSWORD');
      expect(password.valueFrom.secretKeyRef.key).toBe(`NATS_${service.toUpperCase()}_PASSWORD`);
      byName(base, 'PodDisruptionBudget', service);
    }
  });

  it('scales ingestion on its JetStream consumer and notifications on its BullMQ wait lists', () => {
    const [lag] = byName(base, 'ScaledObject', 'ingestion').spec.triggers;
    expect(lag.type).toBe('nats-jetstream');
    expect(lag.metadata).toMatchObject({ stream: EVENTS_STREAM, consumer: INGESTION_CONSUMER });

    // Every replica the autoscaler may add gets messages to hold (the consumer's max_ack_pending).
    const config = base.find((d) => d.kind === 'ConfigMap') as Doc & { data: Record<string, string> };
    const held = Number(
      readFileSync(join(root, 'apps/ingestion/src/config.ts'), 'utf8')
        .match(/INGEST_MAX_HELD_MESSAGES = ([\d_]+)/)?.[1]
        .replace(/_/g, ''),
    );
    const maxReplicas = byName(base, 'ScaledObject', 'ingestion').spec.maxReplicaCount;
    expect(Number(config.data.INGEST_MAX_ACK_PENDING)).toBeGreaterThanOrEqual(maxReplicas * held);

    const prefix = constantIn('apps/notifications/src/config.ts', 'QUEUE_PREFIX');
    const queues = [
      constantIn('apps/notifications/src/delivery/delivery.jobs.ts', 'DELIVERY_QUEUE'),
      constantIn('apps/notifications/src/email/email.jobs.ts', 'EMAIL_QUEUE'),
    ];
    const triggers = byName(base, 'ScaledObject', 'notifications').spec.triggers;
    expect(triggers.map((t: { type: string }) => t.type)).toEqual(['redis', 'redis']);
    expect(triggers.map((t: { metadata: { listName: string } }) => t.metadata.listName)).toEqual(
      queues.map((queue) => `${prefix}:${queue}:wait`),
    );

    for (const service of ['gateway', 'analytics']) {
      const [metric] = byName(base, 'HorizontalPodAutoscaler', service).spec.metrics;
      expect(metric.resource.name).toBe('cpu');
    }
  });

  it('ships the NATS (R3 JetStream) and ClickHouse (2 shards x 2 replicas) examples', () => {
    const examples = Object.fromEntries(result.rendered.map((r) => [r.source, r.documents]));
    const [nats] = examples['deploy/k8s/examples/nats-values.yaml'] as unknown as [any]; // eslint-disable-line @typescript-eslint/no-explicit-any -- Helm values
    expect(nats.config.cluster).toMatchObject({ enabled: true, replicas: 3 });
    expect(nats.config.jetstream.enabled).toBe(true);
    const chi = byName(
      examples['deploy/k8s/examples/clickhouse-installation.yaml'],
      'ClickHouseInstallation',
      'northstar',
    );
    expect(chi.spec.configuration.clusters[0].layout).toEqual({ shardsCount: 2, replicasCount: 2 });
    expect(chi.spec.configuration.zookeeper.nodes.length).toBeGreaterThan(0);
  });

  describe('catches', () => {
    const mutations: ((docs: Doc[]) => void)[] = [
      (docs) => {
        byName(docs, 'Deployment', 'keys').spec.template.spec.containers[0].readinesProbe = {};
        const chi = structuredClone(byName(examples, 'ClickHouseInstallation', 'northstar'));
        chi.spec.configuration.clusters[0].layout.shardCount = 2;
        docs.push(chi);
      },
      (docs) => {
        byName(docs, 'HorizontalPodAutoscaler', 'gateway').spec.maxReplicas = 'twenty';
        byName(docs, 'ScaledObject', 'ingestion').spec.minReplicaCount = 'two';
        byName(docs, 'ScaledObject', 'notifications').spec.triggers[0].metdata = {};
      },
      (docs) => {
        delete byName(docs, 'Deployment', 'chains').spec.template.spec.containers[0].livenessProbe;
        docs.splice(docs.indexOf(byName(docs, 'PodDisruptionBudget', 'tenancy')), 1);
        docs.splice(docs.indexOf(byName(docs, 'HorizontalPodAutoscaler', 'identity')), 1);
        byName(
          docs,
          'Deployment',
          'analytics',
        ).spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key = 'NATS_ANALYTIX_PASSWORD';
      },
    ];
    const examples = documentsOf(result, 'deploy/k8s/examples/clickhouse-installation.yaml');
    const [unknownField, wrongType, missing] = problemsOf(
      mutations.map((change) => {
        const docs = structuredClone(base);
        change(docs);
        return docs;
      }),
    );

    it('an unknown field, which the API server would drop silently', () => {
      expect(unknownField).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/Deployment\/keys: .*readinesProbe/),
          expect.stringMatching(/ClickHouseInstallation\/northstar: .*shardCount/),
        ]),
      );
    });

    it('a value of the wrong type, in a Kubernetes kind and in a custom resource', () => {
      expect(wrongType).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/HorizontalPodAutoscaler\/gateway: \/spec\/maxReplicas/),
          expect.stringMatching(/ScaledObject\/ingestion: \/spec\/minReplicaCount/),
          expect.stringMatching(/ScaledObject\/notifications: .*metdata/),
        ]),
      );
    });

    it('a missing probe, budget or autoscaler, and a Secret key that does not exist', () => {
      expect(missing).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/Deployment\/chains container chains: no livenessProbe/),
          expect.stringMatching(/Deployment\/tenancy: 0 PodDisruptionBudgets/),
          expect.stringMatching(/Deployment\/identity: 0 autoscalers/),
          expect.stringMatching(/no key NATS_ANALYTIX_PASSWORD in Secret northstar-secrets/),
        ]),
      );
    });
  });
});
