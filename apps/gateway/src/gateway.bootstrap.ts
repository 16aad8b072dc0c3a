import 'reflect-metadata';
import { Logger, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@northstar/config';
import {
  MetricsService,
  ReadinessService,
  RequestAwareLogger,
  sanitizeRequestId,
} from '@northstar/observability';
import { logLevelsFrom, platformVersion } from '@northstar/service-runtime';
import type { IncomingMessage } from 'node:http';
import { GatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import { corsOriginsOf } from './http/cors-origins';
import { registerHttpHooks } from './http/http-hooks';
import { hideOpsEndpoints, startOpsListener } from './http/ops-listener';
import { answerClientError, answerFrameworkError } from './http/problem.filter';
import { setupOpenApi } from './http/openapi';
import { findConsoleBuild, serveConsole } from './http/console-static';
import { ApiKeyAdmission } from './api-keys/api-key-admission';
import { serveIngestRoutesDirectly } from './ingest/ingest-fast-path';
import { openIngestionCors, registerIngestHttp } from './ingest/ingest-http';
import { IngestService } from './ingest/ingest.service';
import { EventQuota } from './quota/event-quota';

// Answer headers a browser script may read, on every route.
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'X-Quota-Limit',
  'X-Quota-Remaining',
  'X-Quota-Reset',
];

export interface RunningGateway {
  app: NestFastifyApplication;
  url: string;
  /** The ops listener's base URL (/health, /ready, /metrics). */
  opsUrl: string;
  close(): Promise<void>;
}

/** Builds the gateway (routes under /v1, ops endpoints and docs at the root) and starts listening. */
export async function startGateway(env?: Record<string, string | undefined>): Promise<RunningGateway> {
  const config = loadConfig(GatewayConfig, env);
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    genReqId: (request: IncomingMessage) => sanitizeRequestId(request.headers['x-request-id']),
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // The gateway logs through Nest; Fastify's own request log would double every line.
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forConfig(config), adapter, {
    // Body parsers are Fastify's JSON parser and registerIngestHttp's (ingestion routes read JSON
    // whatever the Content-Type); Nest's form parser would claim the form type for every route.
    bodyParser: false,
    logger: new RequestAwareLogger('gateway', { logLevels: logLevelsFrom(config.LOG_LEVEL) }),
    // A failure while the modules are made is thrown to the caller (runProcess exits with the reason),
    // not a process.exit inside Nest, which would also end a test runner holding other gateways.
    abortOnError: false,
  });
  app.setGlobalPrefix('v1', {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.enableCors({
    origin: corsOriginsOf(config.CORS_ORIGINS),
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  const fastify = app.getHttpAdapter().getInstance();
  if (!(config.PUBLIC_OPS_ENDPOINTS ?? config.NODE_ENV !== 'production')) hideOpsEndpoints(fastify);
  registerHttpHooks(fastify, app.get(MetricsService));
  registerIngestHttp(fastify);
  openIngestionCors(fastify, EXPOSED_HEADERS);
  serveIngestRoutesDirectly(fastify, app.get(IngestService), app.get(ApiKeyAdmission), app.get(EventQuota));
  setupOpenApi(app, platformVersion());
  const consoleBuild = findConsoleBuild();
  if (consoleBuild) await serveConsole(fastify, consoleBuild);
  else
    new Logger('gateway').warn('No console build (dist/console): `npm run build` builds it; / answers 404');
  await app.listen(config.PORT, config.HOST);
  const ops = await startOpsListener(
    app.get(ReadinessService),
    app.get(MetricsService),
    config.OPS_HOST,
    config.OPS_PORT,
  ).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  return {
    app,
    url: `http://${host}:${port}`,
    opsUrl: ops.url,
    close: async () => {
      await ops.close();
      await app.close();
    },
  };
}
