import { MetricsService, runWithRequestContext } from '@northstar/observability';
import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/**
 * Fastify hooks that run for every request, matched route or not: the request's context (its id, for
 * the logs and for every bus request made while handling it) and the request id header on every
 * answer, gzip bodies (decodeGzipBodies), and the HTTP histogram.
 */
export function registerHttpHooks(fastify: FastifyInstance, metrics: MetricsService): void {
  const requests = new Histogram({
    name: 'northstar_http_requests_seconds',
    help: 'HTTP requests handled by the gateway, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics.registry],
  });

  // The rest of the request runs inside its context: Fastify carries the async context from here
  // through body parsing into the handler. (A Nest interceptor did this before, at the cost of an
  // rxjs pipeline and two async-resource bindings per request, a tenth of an SDK event's cost.)
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    runWithRequestContext({ requestId: String(request.id) }, done);
  });
  // Again at send time: the CORS hook, added by Nest's adapter before this one, answers a preflight
  // before the onRequest hook above runs.
  fastify.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    return payload;
  });

  decodeGzipBodies(fastify);

  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

/**
 * Inflates `Content-Encoding: gzip` bodies before any content-type parser reads them, whatever the
 * Content-Type: body limits then apply to the decompressed size. Other encodings: 415.
 */
export function decodeGzipBodies(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding === 'identity') return payload;
    if (encoding !== 'gzip') {
      throw Object.assign(new Error(`Content-Encoding "${encoding}" is not supported (use gzip)`), {
        statusCode: 415,
      });
    }
    const gunzip = createGunzip();
    // Fastify compares the declared content-length with this count, not with the inflated size.
    let received = 0;
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length;
      (gunzip as Readable & { receivedEncodedLength?: number }).receivedEncodedLength = received;
    });
    gunzip.on('error', (error) =>
      Object.assign(error, { statusCode: 400, message: 'The gzip body is corrupt' }),
    );
    return payload.pipe(gunzip);
  });
}
