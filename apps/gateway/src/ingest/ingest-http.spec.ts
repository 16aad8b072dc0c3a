import { EVENT_LIMITS } from '@northstar/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerIngestHttp } from './ingest-http';
import { INGEST_ROUTE, isIngestUrl } from './ingest-paths';

// The Fastify side of the ingestion routes, on a bare Fastify with a small server-wide body limit.
const SERVER_LIMIT = 1024;

async function server(): Promise<FastifyInstance> {
  const fastify = Fastify({ bodyLimit: SERVER_LIMIT });
  registerIngestHttp(fastify);
  const echo = async (request: { body: unknown }) => ({ body: request.body ?? null });
  fastify.post('/v1/batch', { config: { [INGEST_ROUTE]: true } }, echo);
  fastify.post('/v1/orgs', echo);
  await fastify.ready();
  return fastify;
}

describe('registerIngestHttp', () => {
  let fastify: FastifyInstance;

  beforeAll(async () => {
    fastify = await server();
  });

  afterAll(async () => {
    await fastify.close();
  });

  const post = (url: string, payload: string, contentType = 'text/plain;charset=UTF-8') =>
    fastify.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

  it('parses a JSON text/plain body on an ingestion route, and leaves it a string elsewhere', async () => {
    const json = JSON.stringify({ writeKey: 'nsk_x', batch: [] });
    expect((await post('/v1/batch', json)).json()).toEqual({ body: { writeKey: 'nsk_x', batch: [] } });
    expect((await post('/v1/orgs', json)).json()).toEqual({ body: json });
  });

  it('answers 400 for a text/plain body that is not JSON, with the same protection as JSON', async () => {
    const garbage = await post('/v1/batch', 'writeKey=nsk_x&batch=1');
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json()).toMatchObject({ message: 'The body is not valid JSON (sent as text/plain)' });
    expect((await post('/v1/batch', '{"__proto__": {"polluted": true}}')).statusCode).toBe(400);
    expect((await post('/v1/batch', '')).json()).toEqual({ body: null });
  });

  it('gives the ingestion routes the batch limit, whatever the server-wide limit', async () => {
    const big = JSON.stringify({ batch: [], pad: 'x'.repeat(EVENT_LIMITS.maxBatchBytes - 100) });
    expect((await post('/v1/batch', big, 'application/json')).statusCode).toBe(200);
    expect((await post('/v1/batch', big + ' '.repeat(200), 'application/json')).statusCode).toBe(413);
    expect(
      (await post('/v1/orgs', JSON.stringify({ pad: 'x'.repeat(SERVER_LIMIT) }), 'application/json'))
        .statusCode,
    ).toBe(413);
  });
});

describe('isIngestUrl', () => {
  it.each([
    '/v1/batch',
    '/v1/events',
    '/v1/track?x=1',
    '/v1/identify',
    '/v1/page',
    '/v1/screen',
    '/v1/group',
    '/v1/alias',
  ])('is true for %s', (url) => expect(isIngestUrl(url)).toBe(true));

  it.each(['/v1/orgs', '/v1/batch/x', '/batch', '/v1/projects/p/analytics/events', '/v1/tracks'])(
    'is false for %s',
    (url) => expect(isIngestUrl(url)).toBe(false),
  );
});
