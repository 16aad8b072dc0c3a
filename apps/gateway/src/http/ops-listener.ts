import { MetricsService, ReadinessService } from '@northstar/observability';
import Fastify, { type FastifyInstance } from 'fastify';
import { problemType } from './problem';

/** Paths of the ops endpoints that only the ops listener serves in production. */
const PRIVATE_OPS_PATHS = new Set(['/ready', '/metrics']);

/**
 * The gateway's own ops listener, like every service's: /health, /ready and /metrics on OPS_HOST and
 * OPS_PORT, for probes and scrapers inside the network. Readiness and metrics are the app's own.
 */
export async function startOpsListener(
  readiness: ReadinessService,
  metrics: MetricsService,
  host: string,
  port: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  const ops = Fastify({ logger: false });
  ops.get('/health', async () => ({ status: 'ok' }));
  ops.get('/ready', async (_request, reply) => {
    const report = await readiness.report();
    return reply.status(report.status === 'ready' ? 200 : 503).send(report);
  });
  ops.get('/metrics', async (_request, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  await ops.listen({ host, port });
  const address = ops.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`, close: () => ops.close() };
}

/** On the public port, /ready and /metrics answer 404 as any unknown path would. */
export function hideOpsEndpoints(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const path = request.url.split('?')[0];
    if (!PRIVATE_OPS_PATHS.has(path)) return;
    await reply
      .code(404)
      .type('application/problem+json')
      .send({
        type: problemType('not-found'),
        title: 'Not Found',
        status: 404,
        detail: `Cannot GET ${path}`,
      });
  });
}
