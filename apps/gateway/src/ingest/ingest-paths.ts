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
} as const;

/**
 * Fastify route config flag of the ingestion routes (set with Nest's @RouteConfig): they get the
 * batch body limit and JSON in text/plain bodies (see ingest-http.ts).
 */
export const INGEST_ROUTE = 'northstarIngest';

// The gateway's global prefix (gateway.bootstrap.ts) is part of what the CORS hook sees.
const INGEST_URLS = new Set(Object.values(IngestPaths).map((path) => `/v1/${path}`));

/** Whether a request URL (path and query) is one of the ingestion routes. */
export function isIngestUrl(url: string): boolean {
  const query = url.indexOf('?');
  return INGEST_URLS.has(query < 0 ? url : url.slice(0, query));
}
