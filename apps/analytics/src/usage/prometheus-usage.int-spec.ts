import { keysService } from '../../test/neighbours';
import { tmpdir } from 'node:os';
import { AnalyticsSubjects, KeysSubjects } from '@northstar/contracts';
import type { RunningService } from '@northstar/service-runtime';
import {
  connectTestBus,
  eventually,
  startTestService,
  userActor,
  type TestBus,
  TenancyStandIn,
} from '@northstar/testing';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { analyticsService } from '../analytics.service-definition';

// RPC usage from a real Prometheus: deploy/local/prometheus.sh installs (Debian package) and starts a
// private instance that scrapes, every second, the targets listed in TARGETS (outside the checkout). This
// test runs an exporter of rpc_requests_total on loopback, lists it there, and reads the key's usage
// through analytics with PROMETHEUS_URL set.

const ROOT = join(__dirname, '../../../..');
// The test runner's settings, as for the other connections of the tests.
const PORT = process.env['NORTHSTAR_PROMETHEUS_PORT'] || '9390';
const PROMETHEUS_URL = `http://127.0.0.1:${PORT}`;
const TARGETS = process.env['NORTHSTAR_PROMETHEUS_TARGETS'] || join(tmpdir(), 'northstar-prometheus-targets');

function startPrometheus(): string | null {
  try {
    execFileSync('bash', [join(ROOT, 'deploy/local/prometheus.sh'), 'up'], {
      stdio: 'pipe',
      timeout: 300_000,
    });
    return null;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || String(error);
  }
}

const unavailable = startPrometheus();
if (unavailable) {
  console.warn(
    `SKIPPED: RPC usage from Prometheus: Prometheus could not be installed or started: ${unavailable}`,
  );
}
const describeWithPrometheus = unavailable ? describe.skip : describe;

describeWithPrometheus('RPC usage from Prometheus', () => {
  let services: RunningService[] = [];
  let client: TestBus;
  let tenancy: TenancyStandIn;
  let exporter: Server;
  const registry = new Registry();
  const requests = new Counter({
    name: 'rpc_requests_total',
    help: 'RPC requests by key, chain, method and status',
    labelNames: ['key_id', 'chain', 'method', 'status'],
    registers: [registry],
  });
  const targetsFile = join(TARGETS, `${randomUUID()}.json`);

  beforeAll(async () => {
    exporter = createServer((_request, response) => {
      void registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(text);
      });
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const { port } = exporter.address() as AddressInfo;
    mkdirSync(TARGETS, { recursive: true });
    writeFileSync(targetsFile, JSON.stringify([{ targets: [`127.0.0.1:${port}`] }]));
    client = await connectTestBus();
    tenancy = new TenancyStandIn(client.connection);
    await tenancy.start();
    services = [
      await startTestService(keysService),
      await startTestService(analyticsService, { PROMETHEUS_URL }),
    ];
  });

  afterAll(async () => {
    rmSync(targetsFile, { force: true });
    for (const service of services) await service.close();
    tenancy?.stop();
    await client?.close();
    await new Promise((resolve) => exporter?.close(resolve));
  });

  async function promql(query: string): Promise<number> {
    const response = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
    return body.data.result.reduce((sum, sample) => sum + Number(sample.value[1]), 0);
  }

  it("answers a key's RPC calls by chain and method, and its failures", async () => {
    const actor = userActor();
    const project = tenancy.project(actor.userId, 'admin');
    const key = await client.bus.send(KeysSubjects.create, {
      actor,
      projectId: project.projectId,
      name: 'rpc',
      scopes: ['rpc'],
    });
    const from = new Date(Date.now() - 60_000).toISOString();
    const series = [
      { chain: 'ethereum', method: 'eth_call', status: 'ok' },
      { chain: 'ethereum', method: 'eth_call', status: 'error' },
      { chain: 'polygon', method: 'eth_getBalance', status: 'ok' },
    ];
    const other = { key_id: randomUUID(), chain: 'ethereum', method: 'eth_call', status: 'ok' };
    // The series exist at 0 first, so that increase() sees them start from 0 (no extrapolation back).
    for (const labels of series) requests.inc({ key_id: key.id, ...labels }, 0);
    requests.inc(other, 0);
    // Ten scrapes at 0: the window's samples span long enough that the extrapolation to its end stays
    // well under half a request for the small counts below.
    await eventually(
      async () => {
        const samples = await promql(`count_over_time(rpc_requests_total{key_id="${key.id}"}[1m])`);
        if (samples < 30) throw new Error(`${samples} samples so far`);
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    requests.inc({ key_id: key.id, ...series[0] }, 4);
    requests.inc({ key_id: key.id, ...series[1] }, 1);
    requests.inc({ key_id: key.id, ...series[2] }, 3);
    requests.inc(other, 40);
    await eventually(
      async () => {
        const seen = await promql(`sum(rpc_requests_total{key_id="${key.id}"})`);
        if (seen !== 8) throw new Error(`Prometheus has ${seen} so far`);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );

    const usage = await client.bus.send(AnalyticsSubjects.keyUsage, {
      actor,
      keyId: key.id,
      from,
      interval: 'hour',
    });
    expect(usage.rpc).toEqual({
      source: 'prometheus',
      total: 8,
      failed: 1,
      byChain: [
        { chain: 'ethereum', count: 5 },
        { chain: 'polygon', count: 3 },
      ],
      byMethod: [
        { chain: 'ethereum', method: 'eth_call', count: 5 },
        { chain: 'polygon', method: 'eth_getBalance', count: 3 },
      ],
    });
  }, 90_000);
});
