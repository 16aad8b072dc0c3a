import { EVENT_LIMITS } from '@northstar/contracts';
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parse as parseQueryString } from 'node:querystring';
import { INGEST_ROUTE, INGEST_URLS } from './ingest-paths';

/** Whether a Fastify route config is an ingestion route's (see INGEST_ROUTE). */
export const isIngestRoute = (config: unknown): boolean =>
  typeof config === 'object' && config !== null && (config as Record<string, unknown>)[INGEST_ROUTE] === true;

/**
 * What the ingestion routes need from Fastify itself, before the routes are registered:
 * - their own body limit (1 MiB, after gzip decompression), whatever BODY_LIMIT_BYTES says for the rest;
 * - a JSON body whatever the Content-Type says, or without one: browser libraries send `text/plain`
 *   (no CORS preflight), @rudderstack/rudder-sdk-node gzip JSON as `application/x-www-form-urlencoded`
 *   (axios' default for a Buffer). Gzip is undone before this (decodeGzipBodies).
 *
 * Elsewhere nothing changes: a text/plain body stays a string (no other route takes JSON from a
 * cross-site form post), a form body is parsed as a form, other types are 415. The app must not let
 * Nest register its own body parsers (`bodyParser: false`): these and Fastify's JSON parser replace them.
 */
export function registerIngestHttp(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (isIngestRoute(route.config)) route.bodyLimit = EVENT_LIMITS.maxBatchBytes;
  });
  // Fastify's own JSON parser: the same errors (400) and prototype-poisoning protection as application/json.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  // parseAs 'string': the body is a string (Fastify's types also allow a Buffer).
  const parseIngestBody = (request: FastifyRequest, body: string | Buffer, done: ParserDone): void => {
    const text = body.toString();
    // An empty body is left for the route to refuse with its own message.
    if (text === '') return done(null, undefined);
    void parseJson(request, text, (error, parsed) => (error ? done(notJson(request)) : done(null, parsed)));
  };

  fastify.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) =>
    isIngestRoute(request.routeOptions.config) ? parseIngestBody(request, body, done) : done(null, body),
  );
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request, body, done) =>
      isIngestRoute(request.routeOptions.config)
        ? parseIngestBody(request, body, done)
        : done(null, parseQueryString(body.toString())),
  );
  // Any other type, and a body without a Content-Type ('*' is Fastify's catch-all).
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (isIngestRoute(request.routeOptions.config)) return parseIngestBody(request, body, done);
    // As without this parser: an unknown URL is 404 whatever its body, a known one 415.
    return request.is404 ? done(null, undefined) : done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE());
  });
}

type ParserDone = (error: Error | null, body?: unknown) => void;

const notJson = (request: FastifyRequest): Error => {
  const sent = request.mediaType ? `sent as ${request.mediaType}` : 'sent without a Content-Type';
  return Object.assign(new Error(`The body is not valid JSON (${sent})`), { statusCode: 400 });
};

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
