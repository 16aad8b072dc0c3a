import { EVENT_LIMITS } from '@northstar/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { INGEST_ROUTE, INGEST_URLS } from './ingest-paths';

/** Whether a Fastify route config is an ingestion route's (see INGEST_ROUTE). */
export const isIngestRoute = (config: unknown): boolean =>
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

// Reached only if the CORS hook did not answer the preflight itself (it answers every one).
const unansweredPreflight = (_request: FastifyRequest, reply: FastifyReply): void => reply.callNotFound();

/**
 * CORS of the ingestion routes: open to any origin without credentials (SDKs run on customers' sites;
 * the key is the credential), preflight included, whatever the dashboard's CORS options. Given to
 * @fastify/cors as route options (`config.cors`, which it merges over the app's options) on the POST
 * routes, and on an OPTIONS route of each ingestion path for the preflight (the app's is a wildcard
 * route): the app's CORS hook keeps static options rather than choosing them per request.
 */
export function openIngestionCors(fastify: FastifyInstance, exposedHeaders: readonly string[]): void {
  // In @fastify/cors' normalized form: route options are merged as they are.
  const cors = {
    origin: '*',
    credentials: false,
    methods: 'POST',
    maxAge: 86_400,
    exposedHeaders: exposedHeaders.join(', '),
  };
  fastify.addHook('onRoute', (route) => {
    if (isIngestRoute(route.config)) route.config = { ...route.config, cors };
  });
  for (const url of INGEST_URLS) fastify.options(url, { config: { cors } }, unansweredPreflight);
}
