import { EVENT_LIMITS } from '@northstar/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import { gzipSync } from 'node:zlib';
import { decodeGzipBodies } from '../http/http-hooks';
import { registerIngestHttp } from './ingest-http';
import { INGEST_ROUTE, isIngestUrl } from './ingest-paths';

// The Fastify side of the ingestion routes, on a bare Fastify with a small server-wide body limit
// and the gateway's gzip decoding.
const SERVER_LIMIT = 1024;

async function server(): Promise<FastifyInstance> {
  const fastify = Fastify({ bodyLimit: SERVER_LIMIT });
  decodeGzipBodies(fastify);
  registerIngestHttp(fastify);
  const echo = async (request: { body: unknown; headers: Record<string, unknown> }) => ({
    body: request.body ?? null,
    contentType: request.headers['content-type'] ?? null,
  });
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

  /** POSTs `payload` as it is, with this Content-Type (none when undefined), gzipped or not. */
  const send = (url: string, payload: string, contentType: string | undefined, gzip = false) =>
    fastify.inject({
      method: 'POST',
      url,
      payload: gzip ? gzipSync(payload) : Buffer.from(payload),
      headers: {
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      },
    });
  const post = (url: string, payload: string, contentType = 'text/plain;charset=UTF-8') =>
    send(url, payload, contentType);

  const batch = {
    writeKey: 'nsk_x',
    batch: [{ type: 'track', event: 'A & B', properties: { q: 'x=1&y=2' } }],
  };
  const json = JSON.stringify(batch);

  // What each Segment-family library sends: JSON (Segment's Node library), text/plain (browsers),
  // a form type (@rudderstack/rudder-sdk-node: gzip JSON through axios), none, and odd ones.
  const CONTENT_TYPES: Array<[string, string | undefined]> = [
    ['application/json', 'application/json'],
    ['application/json with a charset', 'application/json; charset=utf-8'],
    ['text/plain', 'text/plain;charset=UTF-8'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
    ['no Content-Type', undefined],
    ['application/octet-stream', 'application/octet-stream'],
  ];

  describe.each([
    ['plain', false],
    ['gzip', true],
  ])('on an ingestion route, %s', (_encoding, gzip) => {
    it.each(CONTENT_TYPES)('reads a JSON body sent as %s', async (_name, contentType) => {
      const response = await send('/v1/batch', json, contentType, gzip);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ body: batch, contentType: contentType ?? null });
    });

    it.each(CONTENT_TYPES.filter(([name]) => !name.startsWith('application/json')))(
      'answers 400 for a body sent as %s that is not JSON',
      async (_name, contentType) => {
        const response = await send('/v1/batch', 'writeKey=nsk_x&batch=1', contentType, gzip);
        expect(response.statusCode).toBe(400);
        const sent = contentType ? `sent as ${contentType.split(';')[0]}` : 'sent without a Content-Type';
        expect(response.json()).toMatchObject({ message: `The body is not valid JSON (${sent})` });
      },
    );

    it('gives the ingestion routes the batch limit, after decompression', async () => {
      const big = JSON.stringify({ batch: [], pad: 'x'.repeat(EVENT_LIMITS.maxBatchBytes - 100) });
      for (const [, contentType] of CONTENT_TYPES) {
        expect((await send('/v1/batch', big, contentType, gzip)).statusCode).toBe(200);
        expect((await send('/v1/batch', big + ' '.repeat(200), contentType, gzip)).statusCode).toBe(413);
      }
    });
  });

  it('leaves text/plain a string and a form a form elsewhere, and refuses other types there', async () => {
    expect((await post('/v1/orgs', json)).json()).toEqual({
      body: json,
      contentType: 'text/plain;charset=UTF-8',
    });
    const form = await send('/v1/orgs', 'name=Acme&plan=pro', 'application/x-www-form-urlencoded', true);
    expect(form.json()).toMatchObject({ body: { name: 'Acme', plan: 'pro' } });
    expect((await send('/v1/orgs', json, 'application/json', true)).json()).toMatchObject({ body: batch });
    expect((await send('/v1/orgs', json, undefined)).statusCode).toBe(415);
    expect((await send('/v1/orgs', json, 'application/octet-stream', true)).statusCode).toBe(415);
    // An unknown URL stays a 404, whatever the body.
    expect((await send('/v1/nowhere', json, 'application/xml')).statusCode).toBe(404);
  });

  it('answers 400 for a text/plain body that is not JSON, with the same protection as JSON', async () => {
    const garbage = await post('/v1/batch', 'writeKey=nsk_x&batch=1');
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json()).toMatchObject({ message: 'The body is not valid JSON (sent as text/plain)' });
    expect((await post('/v1/batch', '{"__proto__": {"polluted": true}}')).statusCode).toBe(400);
    expect(
      (await send('/v1/batch', '{"__proto__": {"polluted": true}}', 'application/x-www-form-urlencoded'))
        .statusCode,
    ).toBe(400);
    expect((await post('/v1/batch', '')).json()).toMatchObject({ body: null });
    expect((await send('/v1/batch', '', 'application/x-www-form-urlencoded', true)).json()).toMatchObject({
      body: null,
    });
  });

  it('keeps the server-wide limit on other routes', async () => {
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
