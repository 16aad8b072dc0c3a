import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The gateway serves the built web console (apps/console, built into dist/console by `npm run build`)
// at /, from the same origin as the API: the console needs no CORS and no API address of its own.
// A GET that no route answers, outside the API, the docs and the ops endpoints, gets the console's
// index.html, so that the console's own paths (and the links in emails, /verify-email?token=…) load
// it; those server paths keep their problem+json 404s.

const SERVER_PATH = /^\/(v1|docs|docs-json|health|ready|metrics)(\/|$)/;
// A missing file (an asset of an older build, a typo) is a 404, not the app: a browser would run HTML
// as a script otherwise.
const FILE_PATH = /\/[^/]*\.[A-Za-z0-9]+$/;

// What the console may load: its own scripts and styles, and calls to its own origin only.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** dist/console of the repository above `from` (the compiled or the source gateway), if built. */
export function findConsoleBuild(from: string = __dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'console');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

function setSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin');
}

/** Serves the console in `root` at / with a fallback to its index.html for the console's paths. */
export async function serveConsole(fastify: FastifyInstance, root: string): Promise<void> {
  const index = readFileSync(join(root, 'index.html'));
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/',
    // One route per file of the build (it does not change while the gateway runs), so the fallback
    // below is the only wildcard.
    wildcard: false,
    index: false,
    // Swagger UI registers this plugin too: only one of them may decorate the reply.
    decorateReply: false,
    cacheControl: false,
    setHeaders: (response, path) => {
      // Vite names built assets by content hash: they never change under one name.
      response.header(
        'cache-control',
        path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      response.header('x-content-type-options', 'nosniff');
    },
  });
  const sendIndex = (reply: FastifyReply) =>
    setSecurityHeaders(reply)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(index);
  fastify.get('/', (_request, reply) => sendIndex(reply));
  // The fallback hooks into the 404 route rather than adding a `/*` route: a wildcard would also catch
  // what the router refuses on its own (an over-long path parameter under /v1 is a 414).
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.is404 || (request.method !== 'GET' && request.method !== 'HEAD')) return;
    const path = request.url.split('?')[0];
    if (SERVER_PATH.test(path) || FILE_PATH.test(path)) return;
    await sendIndex(reply);
  });
}
