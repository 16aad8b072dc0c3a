import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ClientContext } from '@northstar/contracts';
import type { FastifyRequest } from 'fastify';

const USER_AGENT_MAX = 512;

/**
 * Deliberately an interface: a parameter typed with a class gets that class as design metadata, and
 * the global ValidationPipe (validateCustomDecorators) would validate this server-made value against
 * it; with a type-only import tsc even emits `Function`, and every auth request failed validation.
 */
export interface RequestClient extends ClientContext {
  ip: string;
  userAgent?: string;
}

/**
 * Where the request comes from, for identity's per-IP limits and session list. `request.ip` honours
 * TRUST_PROXY: behind a proxy, set it so that the client's address is seen rather than the proxy's.
 */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): RequestClient => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip,
    ...(typeof userAgent === 'string' && userAgent.length > 0
      ? { userAgent: userAgent.slice(0, USER_AGENT_MAX) }
      : {}),
  };
});
