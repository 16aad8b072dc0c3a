import type { EventType, IngestResponse } from '@northstar/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { ApiKeyAdmission, AdmissionRule } from '../api-keys/api-key-admission';
import { ingestCallerOf, type IngestCaller } from './ingest-caller';
import { isIngestRoute } from './ingest-http';
import { INGEST_SCOPE, IngestPaths } from './ingest-paths';
import type { EventQuota } from '../quota/event-quota';
import type { IngestService } from './ingest.service';

// A key's rate limit counts events: a batch spends one per event it carries. The routes' CORS is open,
// narrowed per key to its allowed origins.
const ADMISSION: AdmissionRule = {
  scopes: [INGEST_SCOPE],
  writeKeyInBody: true,
  cost: eventsIn,
  keyCors: true,
};

function eventsIn(body: unknown): number {
  const batch = typeof body === 'object' && body !== null ? (body as { batch?: unknown }).batch : undefined;
  return Array.isArray(batch) ? Math.max(1, batch.length) : 1;
}

type Serve = (ingest: IngestService, body: unknown, caller: IngestCaller) => Promise<IngestResponse>;

const perType =
  (type: EventType): Serve =>
  (ingest, body, caller) =>
    ingest.event(body, caller, type);

// What each route does: the same calls as the controllers'. Every path of IngestPaths must have one.
const SERVES: Record<keyof typeof IngestPaths, Serve> = {
  events: (ingest, body, caller) => ingest.event(body, caller),
  batch: (ingest, body, caller) => ingest.batch(body, caller),
  track: perType('track'),
  identify: perType('identify'),
  page: perType('page'),
  screen: perType('screen'),
  group: perType('group'),
  alias: perType('alias'),
  t: perType('track'),
  i: perType('identify'),
  p: perType('page'),
  s: perType('screen'),
  g: perType('group'),
  a: perType('alias'),
  b: (ingest, body, caller) => ingest.batch(body, caller),
};

// By URL below the global prefix, as Fastify registers the routes.
const SERVES_BY_URL = new Map(
  (Object.keys(IngestPaths) as (keyof typeof IngestPaths)[]).map((name) => [
    `/v1/${IngestPaths[name]}`,
    SERVES[name],
  ]),
);

/**
 * Serves the ingestion routes straight from Fastify. Nest still declares them (EventsController,
 * SegmentController: the route config, the OpenAPI description), but as Fastify registers each one
 * its handler is replaced by one that does what Nest's pipeline did for it, without the router
 * proxy, guard, pipe and param resolution around it (a quarter of a single event's cost in the
 * gateway, by bench:ingest): the key's admission (ApiKeyAdmission, as ApiKeyGuard), the organisation's
 * event quota, then IngestService, then 202. An error thrown here goes to Fastify's error handler, which Nest routes to ProblemFilter:
 * the same problem+json answers as on any other route. Call before the app is initialised.
 */
export function serveIngestRoutesDirectly(
  fastify: FastifyInstance,
  ingest: IngestService,
  admission: ApiKeyAdmission,
  quota: EventQuota,
): void {
  fastify.addHook('onRoute', (route) => {
    const serve =
      route.method === 'POST' && isIngestRoute(route.config) ? SERVES_BY_URL.get(route.url) : undefined;
    if (!serve) return;
    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<IngestResponse> => {
      const key = await admission.admit(request, reply, ADMISSION);
      await quota.admit(key.orgId, key.projectId, eventsIn(request.body), reply);
      const answer = await serve(ingest, request.body, ingestCallerOf(request));
      quota.count(key.orgId, answer.accepted);
      void reply.code(202);
      return answer;
    };
    route.handler = handler as RouteHandlerMethod;
  });
}
