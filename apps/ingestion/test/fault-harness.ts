/**
 * What the fault tests share: child processes that never outlive the test, ingestion started from
 * source, a steady flow of acknowledged events, and the counts that prove nothing was lost or doubled.
 */
import { sql, toSql, type ClickHouseClient } from '@northstar/clickhouse';
import { intakeBatch } from '@northstar/event-intake';
import type { EventStreamPublisher } from '@northstar/event-stream';
import { eventually, type TestEnv } from '@northstar/testing';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
const BATCH = 500;
const IN_FLIGHT_BATCHES = 8;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Every process a test started, with their output for the failure message. */
export class Processes {
  private readonly started = new Set<ChildProcess>();
  private readonly lines: string[] = [];

  spawn(name: string, command: string, args: string[], options: SpawnOptions): ChildProcess {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    this.started.add(child);
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

  stopAll(): Promise<void> {
    return Promise.all([...this.started].map((child) => this.stop(child, 'SIGTERM'))).then(() => undefined);
  }

  /** Starts ingestion's `main.ts` from source and resolves once its /ready answers 200. */
  async startIngestion(env: TestEnv): Promise<ChildProcess> {
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
      // Only the test environment: the child must not pick up a developer's own settings.
      { cwd: ROOT, env: { ...env, OPS_PORT: String(port), TS_NODE_PROJECT: 'tsconfig.json' } },
    );
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`ingestion exited: ${this.output().slice(-2000)}`);
        const response = await fetch(`http://127.0.0.1:${port}/ready`);
        expect(response.status).toBe(200);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    return child;
  }
}

/**
 * Publishes `total` track events in batches of 500, eight at a time, each acknowledged by JetStream,
 * and calls `afterRound` with the batch indexes of each round (where a test breaks something).
 * Answers how many events JetStream acknowledged.
 */
export async function publishEvents(options: {
  publisher: EventStreamPublisher;
  projectId: string;
  total: number;
  prefix: string;
  afterRound: (batchIndexes: number[]) => Promise<void>;
}): Promise<number> {
  const { publisher, projectId, total, prefix } = options;
  let acknowledged = 0;
  const batches = Math.ceil(total / BATCH);
  for (let first = 0; first < batches; first += IN_FLIGHT_BATCHES) {
    const round = Array.from({ length: Math.min(IN_FLIGHT_BATCHES, batches - first) }, (_, i) => first + i);
    await Promise.all(
      round.map(async (batchIndex) => {
        const size = Math.min(BATCH, total - batchIndex * BATCH);
        const events = Array.from({ length: size }, (_, i) => ({
          type: 'track',
          event: 'Fault Test',
          userId: `user-${(batchIndex * BATCH + i) % 1000}`,
          messageId: `${prefix}-${batchIndex * BATCH + i}`,
          properties: { n: batchIndex * BATCH + i },
        }));
        const { accepted } = intakeBatch({ batch: events }, { projectId, receivedAt: new Date() });
        const result = await publisher.publish(accepted);
        acknowledged += result.stored;
      }),
    );
    await options.afterRound(round);
  }
  return acknowledged;
}

/** Batch index at `fraction` of `total` events, for `afterRound`. */
export function batchAt(total: number, fraction: number): number {
  return Math.floor((total * fraction) / BATCH);
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
    { timeoutMs: 5 * 60_000, intervalMs: 2000 },
  );
}
