/**
 * What the fault tests share: child processes that never outlive the test (ingestion started from
 * source, a private NATS server), the ingestion gauges read before a kill, and the ClickHouse counts
 * that prove nothing was lost or doubled.
 */
import { sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { readMetric } from '@northstar/testing';
import { connect } from 'nats';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type Env } from '../support';

export const ROOT = join(__dirname, '..', '..', '..', '..');

// Test support, like ../support.ts: the runner's settings are what the tests run against.
// eslint-disable-next-line no-restricted-properties
const runner: Env = process.env;

/**
 * Events each fault test sends. `npm test` runs a CI-sized load; `npm run test:fault` sets
 * FAULT_EVENTS=100000.
 */
export const FAULT_EVENTS = Number(runner['FAULT_EVENTS'] || 20_000);
if (!Number.isInteger(FAULT_EVENTS) || FAULT_EVENTS < 1000) {
  throw new Error(`FAULT_EVENTS must be a whole number of at least 1000, not "${runner['FAULT_EVENTS']}"`);
}

export { e2eClickhouseEnv as clickhouseEnv } from '../support';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** An ingestion process and the ops address its gauges are read from. */
export interface Ingestion {
  child: ChildProcess;
  opsUrl: string;
}

/** Every process a test started, with their output for the failure message. */
export class Processes {
  private readonly started = new Map<ChildProcess, string>();
  private readonly lines: string[] = [];

  spawn(name: string, command: string, args: string[], options: SpawnOptions): ChildProcess {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    this.started.set(child, name);
    const keep = (chunk: Buffer) => this.lines.push(`[${name}] ${chunk.toString()}`);
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }

  output(): string {
    return this.lines.join('');
  }

  /** Resolves once the process has exited (at once if it already has). */
  stop(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Stops every process started (or those started under `name`) with SIGTERM. */
  async stopAll(name?: string): Promise<void> {
    const chosen = [...this.started].filter(([, started]) => name === undefined || started === name);
    await Promise.all(chosen.map(([child]) => this.stop(child, 'SIGTERM')));
  }

  /**
   * Starts ingestion's `main.ts` from source with `env` (only that: not a developer's own settings)
   * and resolves once its /ready answers 200.
   */
  async startIngestion(env: Env): Promise<Ingestion> {
    const port = await freePort();
    const child = this.spawn(
      'ingestion',
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/ingestion/src/main.ts',
      ],
      {
        cwd: ROOT,
        env: { ...env, OPS_HOST: '127.0.0.1', OPS_PORT: String(port), TS_NODE_PROJECT: 'tsconfig.json' },
      },
    );
    const opsUrl = `http://127.0.0.1:${port}`;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`ingestion exited: ${this.output().slice(-2000)}`);
        const response = await fetch(`${opsUrl}/ready`);
        expect(response.status).toBe(200);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    return { child, opsUrl };
  }
}

/**
 * A NATS server with JetStream on file storage, private to one test so that stopping it disturbs
 * nothing else; started again on the same port and store it keeps its streams and consumers.
 */
export class NatsServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'northstar-fault-nats-'));
  private child?: ChildProcess;

  /** `args`: more of nats-server's options (a cluster node's); `name`: its server name, if any. */
  constructor(
    private readonly processes: Processes,
    readonly port: number,
    readonly name = 'nats',
    private readonly args: readonly string[] = [],
  ) {}

  static async start(processes: Processes): Promise<NatsServer> {
    const server = new NatsServer(processes, await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = this.processes.spawn(
      this.name,
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir, ...this.args],
      // Debian puts the binary in /usr/sbin, outside a user's PATH.
      { env: { PATH: `${runner['PATH'] ?? ''}:/usr/local/sbin:/usr/sbin:/sbin` } },
    );
    this.child = child;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited: ${this.processes.output()}`);
        await new Promise<void>((resolve, reject) => {
          const socket = createConnection(this.port, '127.0.0.1', () => {
            socket.destroy();
            resolve();
          });
          socket.once('error', reject);
        });
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.processes.stop(this.child, signal);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Three NATS servers with JetStream on loopback forming one cluster, as deploy/local/nats-cluster.sh
 * starts them but on free ports and in temporary stores: streams of 3 replicas survive one node.
 * Each node is a NatsServer named after its JetStream server name (what stream info calls a leader).
 */
export class NatsCluster {
  private constructor(readonly nodes: readonly NatsServer[]) {}

  static async start(processes: Processes, size = 3): Promise<NatsCluster> {
    const ports = new Set<number>();
    while (ports.size < 2 * size) ports.add(await freePort());
    const [clientPorts, routePorts] = [[...ports].slice(0, size), [...ports].slice(size)];
    const nodes = clientPorts.map((port, i) => {
      const routes = routePorts.filter((_, j) => j !== i).map((route) => `nats-route://127.0.0.1:${route}`);
      return new NatsServer(processes, port, `fault-n${i + 1}`, [
        `--server_name=fault-n${i + 1}`,
        '--cluster_name',
        'fault',
        '--cluster',
        `nats://127.0.0.1:${routePorts[i]}`,
        '--routes',
        routes.join(','),
      ]);
    });
    const cluster = new NatsCluster(nodes);
    try {
      await Promise.all(nodes.map((node) => node.start()));
      await cluster.jetStreamReady();
    } catch (error) {
      cluster.remove();
      throw error;
    }
    return cluster;
  }

  /** Every node, as NATS_URL lists a cluster. */
  get url(): string {
    return this.nodes.map((node) => node.url).join(',');
  }

  node(serverName: string): NatsServer {
    const found = this.nodes.find((node) => node.name === serverName);
    if (!found) throw new Error(`No node named ${serverName} in ${this.nodes.map((n) => n.name).join(', ')}`);
    return found;
  }

  /** Resolves once the nodes have elected JetStream's meta leader (before that its API answers 503). */
  async jetStreamReady(): Promise<void> {
    const connection = await connect({ servers: this.url.split(','), maxReconnectAttempts: -1 });
    try {
      const jsm = await connection.jetstreamManager({ checkAPI: false });
      await eventually(() => jsm.getAccountInfo(), { timeoutMs: 30_000, intervalMs: 250 });
    } finally {
      await connection.close();
    }
  }

  remove(): void {
    for (const node of this.nodes) node.remove();
  }
}

export interface HeldWork {
  messages: number;
  events: number;
}

/** What the process holds right now: taken off the stream, not yet acknowledged. */
export async function heldBy(ingestion: Ingestion): Promise<HeldWork> {
  const [messages, events] = await Promise.all([
    readMetric(ingestion.opsUrl, 'northstar_ingestion_held_messages'),
    readMetric(ingestion.opsUrl, 'northstar_ingestion_held_events'),
  ]);
  return { messages, events };
}

/**
 * Waits for a moment when the process holds messages, then kills it with SIGKILL, so that the kill
 * certainly hits work in flight. Answers what it held just before.
 */
export async function killWhileHolding(processes: Processes, ingestion: Ingestion): Promise<HeldWork> {
  const held = await eventually(
    async () => {
      const now = await heldBy(ingestion);
      if (now.messages === 0) throw new Error('ingestion held no messages before its kill');
      return now;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  await processes.stop(ingestion.child, 'SIGKILL');
  return held;
}

export function eventsWritten(ingestion: Ingestion): Promise<number> {
  return readMetric(ingestion.opsUrl, 'northstar_ingestion_events_written_total');
}

export interface StoredCounts {
  rows: number;
  distinctEvents: number;
  distinctMessages: number;
  /** Rows once ClickHouse has collapsed the copies of an event (FINAL). */
  final: number;
}

async function counts(clickhouse: ClickHouseClient, projectId: string): Promise<StoredCounts> {
  const one = async (fragment: ReturnType<typeof sql>) => {
    const result = await clickhouse.query({ query: toSql(fragment), format: 'JSONEachRow' });
    const [row] = await result.json<{ n: string }>();
    return Number(row.n);
  };
  return {
    rows: await one(sql`SELECT count() AS n FROM events WHERE project_id = ${projectId}`),
    distinctEvents: await one(
      sql`SELECT uniqExact(event_id) AS n FROM events WHERE project_id = ${projectId}`,
    ),
    distinctMessages: await one(
      sql`SELECT uniqExact(message_id) AS n FROM events WHERE project_id = ${projectId}`,
    ),
    final: await one(sql`SELECT count() AS n FROM events FINAL WHERE project_id = ${projectId}`),
  };
}

/**
 * Waits until ClickHouse holds `total` distinct events of the project (messages a killed process held
 * come back after the consumer's ack wait, 30 s) and answers the counts.
 */
export function storedOnceEach(
  clickhouse: ClickHouseClient,
  projectId: string,
  total: number,
): Promise<StoredCounts> {
  return eventually(
    async () => {
      const now = await counts(clickhouse, projectId);
      expect(now.distinctEvents).toBe(total);
      return now;
    },
    { timeoutMs: 3 * 60_000, intervalMs: 1000 },
  );
}
