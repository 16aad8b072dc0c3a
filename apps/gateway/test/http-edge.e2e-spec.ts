import { gzipSync } from 'node:zlib';
import type { RunningGateway } from '../src/gateway.bootstrap';
import { eventually, expectProblem, getJson, gzipBomb, startTestGateway, UUID_PATTERN } from './support';

// What any client sees at the HTTP edge, whatever the services behind it do: none of this needs a
// bus service running. The body tests post to /v1/chains, which has no POST route: Fastify reads and
// parses a body before it finds that no route matches, so the limits apply there as everywhere.
const BODY_LIMIT_BYTES = 4096;

describe('gateway HTTP edge', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const post = (body: NonNullable<RequestInit['body']>, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1/chains`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  describe('X-Request-Id', () => {
    it('echoes a valid id sent by the client', async () => {
      const response = await fetch(`${gateway.url}/health`, {
        headers: { 'x-request-id': 'client-req.42:abc_DEF' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('client-req.42:abc_DEF');
    });

    it('echoes an id of 128 characters, the longest allowed', async () => {
      const id = 'a'.repeat(128);
      const response = await fetch(`${gateway.url}/health`, { headers: { 'x-request-id': id } });
      expect(response.headers.get('x-request-id')).toBe(id);
    });

    it('generates a UUID when the client sends none', async () => {
      const first = await fetch(`${gateway.url}/health`);
      const second = await fetch(`${gateway.url}/health`);
      expect(first.headers.get('x-request-id')).toMatch(UUID_PATTERN);
      expect(second.headers.get('x-request-id')).toMatch(UUID_PATTERN);
      expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
    });

    it.each([
      ['too long (300 characters)', 'x'.repeat(300)],
      ['with spaces', 'has spaces in it'],
      ['with a quote and angle brackets', '"><script>'],
      ['with a slash', 'a/b'],
    ])('replaces an id %s with a generated one', async (_case, id) => {
      const response = await fetch(`${gateway.url}/health`, { headers: { 'x-request-id': id } });
      expect(response.headers.get('x-request-id')).toMatch(UUID_PATTERN);
    });

    it('is the problem requestId of an error answer, sent or generated', async () => {
      const sent = await expectProblem(
        await fetch(`${gateway.url}/v1/no-such-route`, { headers: { 'x-request-id': 'trace-me-123' } }),
        404,
      );
      expect(sent.requestId).toBe('trace-me-123');
      const generated = await expectProblem(await fetch(`${gateway.url}/v1/no-such-route`), 404);
      expect(generated.requestId).toMatch(UUID_PATTERN);
      const replaced = await expectProblem(
        await fetch(`${gateway.url}/v1/no-such-route`, { headers: { 'x-request-id': 'not valid' } }),
        404,
      );
      expect(replaced.requestId).toMatch(UUID_PATTERN);
    });

    it('is on a CORS preflight answer too', async () => {
      const response = await fetch(`${gateway.url}/v1/chains`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://dashboard.example.com',
          'access-control-request-method': 'GET',
          'x-request-id': 'preflight-1',
        },
      });
      expect(response.headers.get('x-request-id')).toBe('preflight-1');
    });
  });

  describe('errors of the HTTP layer', () => {
    it('answers 404 problem+json for an unknown route', async () => {
      const problem = await expectProblem(await fetch(`${gateway.url}/v1/no-such-route`), 404);
      expect(problem.type).toMatch(/not-found$/);
      // The API is only under /v1: outside it, beside the ops and docs endpoints, is the web console's
      // page (or a 404 without a console build), never an API answer.
      const outside = await fetch(`${gateway.url}/chains`);
      expect(outside.headers.get('content-type') ?? '').not.toMatch(/^application\/json/);
    });

    it('answers 400 problem+json for a malformed percent-encoding in the path', async () => {
      const problem = await expectProblem(
        await fetch(`${gateway.url}/v1/chains/%E0%A4%A`, { headers: { 'x-request-id': 'bad-url-1' } }),
        400,
      );
      expect(problem.requestId).toBe('bad-url-1');
    });

    it('answers 414 problem+json for an over-long path parameter', async () => {
      await expectProblem(await fetch(`${gateway.url}/v1/chains/${'a'.repeat(150)}`), 414);
    });

    it("answers 431 problem+json for a URL over Node's header size limit, which Fastify never routes", async () => {
      const problem = await expectProblem(
        await fetch(`${gateway.url}/v1/chains?cursor=${'a'.repeat(20_000)}`),
        431,
      );
      expect(problem.type).toMatch(/headers-too-large$/);
    });

    it('answers 400 problem+json for a malformed JSON body', async () => {
      const problem = await expectProblem(await post('{"name": "unterminated'), 400);
      expect(problem.detail).toMatch(/json/i);
    });

    it('answers 413 problem+json for a body over the limit', async () => {
      await expectProblem(await post(JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT_BYTES) })), 413);
    });

    it('answers 413 for a body over the limit sent without a Content-Length (chunked)', async () => {
      const chunk = new TextEncoder().encode('x'.repeat(1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 16) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const response = await fetch(`${gateway.url}/v1/chains`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit & { duplex: 'half' });
      await expectProblem(response, 413);
    });

    it('inflates a gzip body before parsing it', async () => {
      // Valid JSON gets past parsing to the route's login check (401); broken JSON fails parsing (400).
      await expectProblem(await post(gzipSync('{"name":"ok"}'), { 'content-encoding': 'gzip' }), 401);
      await expectProblem(await post(gzipSync('{"name":"ok"}'), { 'content-encoding': 'GZIP' }), 401);
      const problem = await expectProblem(
        await post(gzipSync('{"name": '), { 'content-encoding': 'gzip' }),
        400,
      );
      expect(problem.detail).toMatch(/json/i);
    });

    it('answers 413 for a small gzip body that inflates beyond the limit', async () => {
      // 2 MiB inflated, about 2 KiB on the wire: under the limit as sent, 500 times over it inflated.
      const bomb = gzipBomb(2 * 1024 * 1024);
      expect(bomb.length).toBeLessThan(BODY_LIMIT_BYTES);
      const started = performance.now();
      await expectProblem(await post(bomb, { 'content-encoding': 'gzip' }), 413);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('answers 413 for a gzip bomb sent without a Content-Length (chunked)', async () => {
      const bomb = gzipBomb(20 * 1024 * 1024);
      const response = await fetch(`${gateway.url}/v1/chains`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: new Blob([bomb]).stream(),
        duplex: 'half',
      } as RequestInit & { duplex: 'half' });
      await expectProblem(response, 413);
    });

    it('answers 400 for a corrupt or truncated gzip body', async () => {
      await expectProblem(
        await post(Buffer.from('this is not gzip at all'), { 'content-encoding': 'gzip' }),
        400,
      );
      const whole = gzipSync(JSON.stringify({ padding: 'y'.repeat(1000) }));
      await expectProblem(
        await post(whole.subarray(0, whole.length - 12), { 'content-encoding': 'gzip' }),
        400,
      );
    });

    it('answers 415 for a Content-Encoding other than gzip', async () => {
      const problem = await expectProblem(await post('{}', { 'content-encoding': 'br' }), 415);
      expect(problem.detail).toMatch(/gzip/);
      await expectProblem(await post('{}', { 'content-encoding': 'deflate' }), 415);
    });

    it('answers 415 for a content type it does not parse (application/xml) on a real POST route', async () => {
      // Fastify's not-found route accepts any content type, so this posts where a route exists: the
      // body is refused before the handler runs, so no identity service is needed behind it.
      const response = await fetch(`${gateway.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<login><email>a@example.com</email></login>',
      });
      await expectProblem(response, 415);
    });

    it('still serves after all of that', async () => {
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    });
  });

  describe('CORS', () => {
    it('answers a preflight with the allowed origin, methods and headers', async () => {
      const response = await fetch(`${gateway.url}/v1/chains`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://dashboard.example.com',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization, x-request-id',
        },
      });
      expect(response.status).toBeLessThan(300);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://dashboard.example.com');
      expect(response.headers.get('access-control-allow-methods')).toMatch(/GET/);
      expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
    });

    it('lets browsers read the request id and Retry-After of an answer', async () => {
      const response = await fetch(`${gateway.url}/health`, {
        headers: { origin: 'https://dashboard.example.com' },
      });
      expect(response.headers.get('access-control-allow-origin')).toBe('https://dashboard.example.com');
      const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase();
      expect(exposed).toMatch(/x-request-id/);
      expect(exposed).toMatch(/retry-after/);
    });
  });

  describe('ops and docs', () => {
    it('is alive at /health', async () => {
      const { body } = await getJson<{ status: string }>(`${gateway.url}/health`);
      expect(body).toEqual({ status: 'ok' });
    });

    it('is ready at /ready, its bus connection answering', async () => {
      const { body } = await getJson<{ status: string; checks: Record<string, { status: string }> }>(
        `${gateway.url}/ready`,
      );
      expect(body.status).toBe('ready');
      expect(body.checks['bus']).toMatchObject({ status: 'up' });
    });

    it('exposes the HTTP histogram at /metrics, by route template', async () => {
      await fetch(`${gateway.url}/health`);
      await eventually(async () => {
        const response = await fetch(`${gateway.url}/metrics`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        const text = await response.text();
        expect(text).toMatch(/^# TYPE northstar_http_requests_seconds histogram$/m);
        const healthCount = text
          .split('\n')
          .find(
            (line) =>
              line.startsWith('northstar_http_requests_seconds_count{') &&
              line.includes('route="/health"') &&
              line.includes('status="200"'),
          );
        expect(healthCount).toBeDefined();
      });
    });

    it('serves the OpenAPI document at /docs-json', async () => {
      const { body } = await getJson<{
        openapi: string;
        info: { version: string };
        paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      }>(`${gateway.url}/docs-json`);
      expect(body.openapi).toMatch(/^3\./);
      expect(Object.keys(body.paths)).toEqual(
        expect.arrayContaining(['/v1/chains', '/v1/chains/{slug}', '/v1/system/info']),
      );
      const listParameters = (body.paths['/v1/chains']['get'].parameters ?? []).map(
        (parameter) => parameter.name,
      );
      expect(listParameters).toEqual(
        expect.arrayContaining(['limit', 'cursor', 'ecosystem', 'testnet', 'status']),
      );
    });

    it('serves the browsable docs at /docs', async () => {
      const response = await fetch(`${gateway.url}/docs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/swagger-ui/i);
      const stylesheet = await fetch(`${gateway.url}/docs/swagger-ui.css`);
      expect(stylesheet.status).toBe(200);
      await stylesheet.arrayBuffer();
    });
  });
});
