import type { RunningGateway } from '../src/gateway.bootstrap';
import { startTestGateway } from './support';

// /ready and /metrics tell an attacker what runs inside; in production they stay on the ops listener.

describe('the ops endpoints', () => {
  let hidden: RunningGateway;
  let open: RunningGateway;

  beforeAll(async () => {
    hidden = await startTestGateway({ PUBLIC_OPS_ENDPOINTS: 'false' });
    open = await startTestGateway();
  });

  afterAll(async () => {
    await hidden?.close();
    await open?.close();
  });

  it('serves /ready and /metrics only on the ops listener when PUBLIC_OPS_ENDPOINTS is off (production)', async () => {
    for (const path of ['/ready', '/metrics']) {
      const response = await fetch(`${hidden.url}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await fetch(`${hidden.url}/health`)).status).toBe(200);
    expect((await fetch(`${hidden.opsUrl}/ready`)).status).toBe(200);
    const metrics = await fetch(`${hidden.opsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# HELP /m);
    expect((await fetch(`${hidden.opsUrl}/health`)).status).toBe(200);
  });

  it('also serves them on the public port outside production', async () => {
    expect((await fetch(`${open.url}/ready`)).status).toBe(200);
    expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
  });
});
