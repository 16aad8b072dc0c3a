import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EVENT_LIMITS } from '@northstar/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { INGEST_ROUTE, isIngestUrl } from './ingest-paths';

export type GatewayCorsOptions = Exclude<Parameters<NestFastifyApplication['enableCors']>[0], undefined>;

const isIngestRoute = (config: unknown): boolean =>
  typeof config === 'object' && config !== null && (config as Record<string, unknown>)[INGEST_ROUTE] === true;

/**
 * What the ingestion routes need from Fastify itself, before the routes are registered:
 * - their own body limit (1 MiB, after gzip decompression), whatever BODY_LIMIT_BYTES says for the rest;
 * - JSON sent as `text/plain`, as browser libraries send it to avoid a CORS preflight. Elsewhere a
 *   text/plain body stays a string, so no other route accepts JSON from a cross-site form post.
 */
export function registerIngestHttp(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (isIngestRoute(route.config)) route.bodyLimit = EVENT_LIMITS.maxBatchBytes;
  });
  // Fastify's own JSON parser: the same errors (400) and prototype-poisoning protection as application/json.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    if (!isIngestRoute(request.routeOptions.config)) return done(null, body);
    // An empty body is left for the route to refuse with its own message.
    const text = body.toString();
    if (text === '') return done(null, undefined);
    return parseJson(request, text, (error, parsed) =>
      error
        ? done(
            Object.assign(new Error('The body is not valid JSON (sent as text/plain)'), { statusCode: 400 }),
          )
        : done(null, parsed),
    );
  });
}

/**
 * CORS for the gateway: the dashboard routes keep `dashboard`; the ingestion routes are open to any
 * origin without credentials (SDKs run on customers' sites; the key is the credential), preflight
 * included. The choice is made per request, from its path.
 */
export function corsWithOpenIngestion(dashboard: GatewayCorsOptions): GatewayCorsOptions {
  const ingestion: GatewayCorsOptions = {
    ...dashboard,
    origin: '*',
    credentials: false,
    methods: ['POST'],
    maxAge: 86_400,
  };
  return {
    delegator: (
      request: FastifyRequest,
      callback: (error: Error | null, options: GatewayCorsOptions) => void,
    ) => callback(null, isIngestUrl(request.url) ? ingestion : dashboard),
  };
}
