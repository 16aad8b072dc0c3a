/**
 * Two processes of every app from dist/ (as `npm start` runs them: built, with deploy/build's Node
 * flags) on a private NATS server: seven services in pairs and two gateways. The shared stores
 * (PostgreSQL, Redis, ClickHouse) are the test ones; the bus is this stack's own, so that no other
 * suite's service joins a queue group and answers in its place.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { eventually, e2eClickhouseEnv, e2eEnv, type Env } from './support';
import { freePort, NatsServer, Processes, ROOT } from './fault/fault-harness';

export const REPLICATED_SERVICES = [
  'identity',
  'tenancy',
  'keys',
  'chains',
  'notifications',
  'ingestion',
  'analytics',
] as const;
export type ReplicatedService = (typeof REPLICATED_SERVICES)[number];

// The Node flags deploy/build/node-flags.mjs gives these apps (that file is ESM: jest cannot load it).
const NODE_FLAGS: Partial<Record<ReplicatedService | 'gateway', string[]>> = {
  gateway: ['--max-semi-space-size=64'],
  ingestion: ['--max-semi-space-size=64'],
};

/** One running process: its name (`tenancy-2`) and where its /metrics and /ready answer. */
export interface Replica {
  name: string;
  opsUrl: string;
}

export interface ReplicaStack {
  nats: NatsServer;
  processes: Processes;
  /** The two processes of each service. */
  services: Record<ReplicatedService, [Replica, Replica]>;
  /** The public URLs of the two gateways. */
  gateways: [string, string];
  close(): Promise<void>;
}

function entryOf(app: string): string {
  return join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
}

/**
 * Migrates every service (once: migrations are not the replicas' business) and starts two of each,
 * then two gateways; resolves once all sixteen answer /ready. `env` goes to every process.
 */
export async function startReplicaStack(env: Env): Promise<ReplicaStack> {
  const missing = [...REPLICATED_SERVICES, 'gateway'].filter((app) => !existsSync(entryOf(app)));
  if (missing.length > 0) {
    throw new Error(`dist/ has no build of ${missing.join(', ')}: run \`npm run build\` first`);
  }
  const processes = new Processes();
  const nats = await NatsServer.start(processes);
  const common = e2eEnv({ ...e2eClickhouseEnv(), ...env, NATS_URL: nats.url });
  const close = async () => {
    // Gateways first (no new requests), then the services, NATS last so that their last acks land.
    await processes.stopAll('gateway');
    await Promise.all(REPLICATED_SERVICES.map((service) => processes.stopAll(service)));
    await processes.stopAll();
    nats.remove();
  };
  try {
    // Ingestion's migration creates the events table analytics reads: it goes first of the two.
    for (const app of REPLICATED_SERVICES) await migrate(processes, app, common);
    const services = {} as Record<ReplicatedService, [Replica, Replica]>;
    // Started all at once: on two cores, sixteen Node processes starting one after the other would
    // take minutes.
    await Promise.all(
      REPLICATED_SERVICES.map(async (app) => {
        services[app] = await Promise.all([
          start(processes, app, 1, common),
          start(processes, app, 2, common),
        ]);
      }),
    );
    const gateways = await Promise.all([1, 2].map((n) => startGateway(processes, n, common)));
    return { nats, processes, services, gateways: [gateways[0], gateways[1]], close };
  } catch (error) {
    const output = processes.output().slice(-4000);
    await close();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
}

async function migrate(processes: Processes, app: string, env: Env): Promise<void> {
  const child = processes.spawn(`${app}-migrate`, process.execPath, [entryOf(app), 'migrate'], {
    cwd: ROOT,
    env,
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`migrating ${app} failed (exit code ${code})`);
}

async function start(processes: Processes, app: ReplicatedService, n: number, env: Env): Promise<Replica> {
  const port = await freePort();
  const child = processes.spawn(app, process.execPath, [...(NODE_FLAGS[app] ?? []), entryOf(app)], {
    cwd: ROOT,
    env: { ...env, OPS_HOST: '127.0.0.1', OPS_PORT: String(port) },
  });
  const replica = { name: `${app}-${n}`, opsUrl: `http://127.0.0.1:${port}` };
  await ready(child, replica.name, `${replica.opsUrl}/ready`);
  return replica;
}

async function startGateway(processes: Processes, n: number, env: Env): Promise<string> {
  const port = await freePort();
  const child = processes.spawn(
    'gateway',
    process.execPath,
    [...(NODE_FLAGS.gateway ?? []), entryOf('gateway')],
    {
      cwd: ROOT,
      env: {
        ...env,
        HOST: '127.0.0.1',
        PORT: String(port),
        OPS_PORT: String(await freePort()),
        // The tests send a random X-Forwarded-For per user (users.ts), so that the auth limits count
        // them apart.
        TRUST_PROXY: 'true',
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await ready(child, `gateway-${n}`, `${url}/health`);
  return url;
}

function ready(child: ChildProcess, name: string, url: string): Promise<void> {
  return eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
      const response = await fetch(url);
      if (response.status !== 200) throw new Error(`${name}: ${url} answered ${response.status}`);
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  ).catch((error: unknown) => {
    throw new Error(`${name} did not become ready: ${(error as Error).message}`);
  });
}
