import { Cluster, Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually';

export interface RunningRedisCluster {
  /** A client of the cluster; services take it where they take a Redis. */
  redis: Redis;
  close(): Promise<void>;
}

const NODES = 3;
const SLOTS = 16_384;

/**
 * A Redis Cluster of three masters on loopback, each serving a third of the slots: a script that
 * touches a key it was not given in KEYS, or keys of several slots, fails here as it would in
 * production (one Redis alone runs it). Needs `redis-server` 7 on the PATH, like the test Redis.
 */
export async function startRedisCluster(): Promise<RunningRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-redis-cluster-'));
  const ports: number[] = [];
  while (ports.length < NODES) ports.push(await freeClusterPort(ports));
  const servers: ChildProcess[] = ports.map((port, index) =>
    spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${index}.conf`],
      ],
      { stdio: 'ignore' },
    ),
  );
  const admins = ports.map((port) => new Redis({ port, host: '127.0.0.1', lazyConnect: true }));
  const stop = async () => {
    admins.forEach((admin) => admin.disconnect());
    servers.forEach((server) => server.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Wait for the listening sockets first: ioredis, connecting too early, would park its commands
    // behind its own growing reconnection delays, which on a busy machine outlast any sane wait.
    await eventually(
      async () => {
        const exited = servers.find((server) => server.exitCode !== null);
        if (exited) throw new Error(`redis-server exited with code ${exited.exitCode}`);
        await Promise.all(ports.map(accepts));
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await Promise.all(admins.map((admin) => admin.connect()));
    for (const port of ports.slice(1)) await admins[0].call('CLUSTER', 'MEET', '127.0.0.1', String(port));
    await Promise.all(
      admins.map((admin, index) =>
        admin.call(
          'CLUSTER',
          'ADDSLOTSRANGE',
          String(Math.floor((SLOTS * index) / NODES)),
          String(Math.floor((SLOTS * (index + 1)) / NODES) - 1),
        ),
      ),
    );
    await eventually(
      async () => {
        for (const admin of admins) {
          const info = String(await admin.call('CLUSTER', 'INFO'));
          if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${NODES}`))
            throw new Error(`cluster not ready: ${info.split('\r\n').slice(0, 2).join(' ')}`);
        }
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const cluster = new Cluster([{ host: '127.0.0.1', port: ports[0] }], { lazyConnect: false });
  return {
    // Cluster speaks the commands services use (get, set, eval, evalsha, defineCommand, multi...).
    redis: cluster as unknown as Redis,
    close: async () => {
      await cluster.quit().catch(() => undefined);
      await stop();
    },
  };
}

/** A loopback port free for a node and for its cluster bus (the port + 10000). */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function accepts(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
