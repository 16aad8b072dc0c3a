import { chainsService } from './platform-services';
import type { RunningService } from '@northstar/service-runtime';
import { connect } from 'nats';
import type { RunningGateway } from '../src/gateway.bootstrap';
import {
  BUS_TIMEOUT_MS,
  e2eEnv,
  eventually,
  expectProblem,
  getJson,
  pingService,
  startTestGateway,
  startTestService,
  SYSTEM_PING_TIMEOUT_MS,
} from './support';

interface SystemInfo {
  version: string;
  services: { name: string; status: 'up' | 'down'; version: string | null; latencyMs: number | null }[];
}

const SERVICES = ['identity', 'tenancy', 'keys', 'chains', 'ingestion', 'analytics', 'notifications'];

/** Well under the bus timeout: with nobody subscribed, NATS answers "no responders" at once. */
const FAST_MS = BUS_TIMEOUT_MS / 4;

describe('a service going down and coming back, as clients see it', () => {
  let gateway: RunningGateway;
  let chains: RunningService | undefined;

  // The bus is shared: another chains process on this NATS server (another test run, a dev stack)
  // would answer while ours is down. Say so rather than fail on a confusing 200.
  async function assertNobodyElseServesChains(): Promise<void> {
    const answered = await pingService('chains').then(
      () => true,
      () => false,
    );
    if (answered) {
      throw new Error(
        'Another chains service answers on this NATS server; the outage tests need it to themselves',
      );
    }
  }

  beforeAll(async () => {
    await assertNobodyElseServesChains();
    // Each probe pings afresh: the services' state changes between them.
    gateway = await startTestGateway({ SYSTEM_INFO_CACHE_MS: '0' });
    chains = await startTestService(chainsService);
  });

  afterAll(async () => {
    await gateway?.close();
    await chains?.close();
  });

  async function systemInfo(): Promise<{ info: SystemInfo; chains: SystemInfo['services'][number] }> {
    const { body } = await getJson<SystemInfo>(`${gateway.url}/v1/system/info`);
    const entry = body.services.find((service) => service.name === 'chains');
    if (!entry) throw new Error(`chains missing from ${JSON.stringify(body)}`);
    return { info: body, chains: entry };
  }

  it('reports chains up, with its version and the ping latency', async () => {
    const { info, chains: entry } = await systemInfo();
    expect(info.version).toEqual(expect.any(String));
    expect(info.services.map((service) => service.name).sort()).toEqual([...SERVICES].sort());
    expect(entry).toEqual({
      name: 'chains',
      status: 'up',
      version: info.version,
      latencyMs: expect.any(Number),
    });
    expect(entry.latencyMs).toBeGreaterThanOrEqual(0);
    expect(entry.latencyMs).toBeLessThan(SYSTEM_PING_TIMEOUT_MS);
    for (const service of info.services.filter((candidate) => candidate.status === 'down')) {
      expect(service).toMatchObject({ version: null, latencyMs: null });
    }
    expect((await fetch(`${gateway.url}/v1/chains/ethereum`)).status).toBe(200);
  });

  it('answers 503 problem+json with Retry-After, at once, while chains is down', async () => {
    await chains?.close();
    chains = undefined;
    await assertNobodyElseServesChains();

    for (const path of ['/v1/chains', '/v1/chains/ethereum', '/v1/chains?testnet=true']) {
      const started = performance.now();
      const response = await fetch(`${gateway.url}${path}`, { headers: { 'x-request-id': 'outage-1' } });
      const elapsed = performance.now() - started;
      const problem = await expectProblem(response, 503);
      expect(problem.requestId).toBe('outage-1');
      expect(problem.detail).toMatch(/chains/);
      expect(problem.errorId).toBeUndefined();
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(elapsed).toBeLessThan(FAST_MS);
    }
  });

  it('still answers 400 for bad input while chains is down: validation happens at the edge', async () => {
    const problem = await expectProblem(await fetch(`${gateway.url}/v1/chains?testnet=maybe`), 400);
    expect(problem.errors?.map((error) => error.field)).toContain('testnet');
  });

  it('reports chains down in the system info, without waiting for the ping timeout', async () => {
    await assertNobodyElseServesChains();
    const started = performance.now();
    const { info, chains: entry } = await systemInfo();
    expect(performance.now() - started).toBeLessThan(FAST_MS);
    expect(entry).toEqual({ name: 'chains', status: 'down', version: null, latencyMs: null });
    expect(info.services).toHaveLength(SERVICES.length);
  });

  it('keeps the gateway itself healthy and ready', async () => {
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
  });

  it('answers 503 after the bus timeout, not later, when chains is subscribed but silent', async () => {
    // A hung process: it holds the subjects (queue group and all) but never replies.
    await assertNobodyElseServesChains();
    const hung = await connect({ servers: (e2eEnv()['NATS_URL'] ?? '').split(','), name: 'hung-chains' });
    try {
      hung.subscribe('chains.>', { queue: 'chains', callback: () => undefined });
      await hung.flush();

      const startedInfo = performance.now();
      const { chains: entry } = await systemInfo();
      expect(entry.status).toBe('down');
      // The system info waits for its own short ping timeout, not for the bus timeout.
      expect(performance.now() - startedInfo).toBeLessThan(SYSTEM_PING_TIMEOUT_MS + FAST_MS);

      const started = performance.now();
      const response = await fetch(`${gateway.url}/v1/chains`);
      const elapsed = performance.now() - started;
      await expectProblem(response, 503);
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(elapsed).toBeGreaterThanOrEqual(BUS_TIMEOUT_MS - 100);
      expect(elapsed).toBeLessThan(BUS_TIMEOUT_MS + 1000);
    } finally {
      await hung.close();
    }
  });

  it('reports chains up again once it is back, and serves the catalog', async () => {
    chains = await startTestService(chainsService);
    const entry = await eventually(async () => {
      const { chains: current } = await systemInfo();
      expect(current.status).toBe('up');
      return current;
    });
    expect(entry).toMatchObject({ version: expect.any(String), latencyMs: expect.any(Number) });
    const { body } = await getJson<{ slug: string; chainId: number }>(`${gateway.url}/v1/chains/ethereum`);
    expect(body).toMatchObject({ slug: 'ethereum', chainId: 1 });
  });
});
