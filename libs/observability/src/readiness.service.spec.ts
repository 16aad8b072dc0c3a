import { ReadinessService } from './readiness.service';

describe('ReadinessService', () => {
  it('is ready when every check passes', async () => {
    const readiness = new ReadinessService();
    readiness.register('postgres', async () => 'ok');
    readiness.register('redis', async () => 'PONG');
    const report = await readiness.report();
    expect(report).toEqual({
      status: 'ready',
      checks: {
        postgres: { status: 'up', latencyMs: expect.any(Number) },
        redis: { status: 'up', latencyMs: expect.any(Number) },
      },
    });
  });

  it('is not ready when one check fails, and says which and why', async () => {
    const readiness = new ReadinessService();
    readiness.register('postgres', async () => 'ok');
    readiness.register('redis', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')));
    const report = await readiness.report();
    expect(report.status).toBe('not_ready');
    expect(report.checks['postgres'].status).toBe('up');
    expect(report.checks['redis']).toEqual({
      status: 'down',
      latencyMs: expect.any(Number),
      error: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
  });

  it('is ready with no dependency registered', async () => {
    expect(await new ReadinessService().report()).toEqual({ status: 'ready', checks: {} });
  });
});
