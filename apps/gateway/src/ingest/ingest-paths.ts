import type { KeyScope } from '@northstar/contracts';

/** The ingestion routes, below the gateway's `/v1` prefix. */
export const IngestPaths = {
  events: 'events',
  batch: 'batch',
  // Segment's per-type routes: one event each, of the type the route names.
  track: 'track',
  identify: 'identify',
  page: 'page',
  screen: 'screen',
  group: 'group',
  alias: 'alias',
  // Segment's browser library (analytics.js, @segment/analytics-next, its apiHost set to the gateway's
  // /v1) posts to one-letter routes named after the call's type, and to `b` in its batching mode.
  t: 't',
  i: 'i',
  p: 'p',
  s: 's',
  g: 'g',
  a: 'a',
  b: 'b',
} as const;

/** The key scope every ingestion route requires. */
export const INGEST_SCOPE: KeyScope = 'events:write';

/**
 * Fastify route config flag of the ingestion routes (set with Nest's @RouteConfig): they get the
 * batch body limit and a JSON body whatever the Content-Type (see ingest-http.ts).
 */
export const INGEST_ROUTE = 'northstarIngest';

// As Fastify registers the routes: below the gateway's global prefix (gateway.bootstrap.ts).
export const INGEST_URLS: readonly string[] = Object.values(IngestPaths).map((path) => `/v1/${path}`);
const INGEST_URL_SET = new Set(INGEST_URLS);

/** Whether a request URL (path and query) is one of the ingestion routes. */
export function isIngestUrl(url: string): boolean {
  const query = url.indexOf('?');
  return INGEST_URL_SET.has(query < 0 ? url : url.slice(0, query));
}
