import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BusErrorCode, DomainException, type KeyScope } from '@northstar/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BODY_WRITE_KEY_PROPERTY } from './api-key-credential';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import type { AuthenticatedKey } from './key-verifier';
import { RateLimiter } from './rate-limiter';
import { UsageRecorder } from './usage-recorder';

/** Where the authenticated key is put on the request (the user of a JWT stays on `request.user`). */
export const API_KEY_REQUEST_PROPERTY = 'apiKey';
export const REQUIRED_SCOPES = 'northstar:required-scopes';
/** Marks a route whose JSON body may carry the key as `writeKey` (Segment's browser libraries). */
export const WRITE_KEY_IN_BODY = 'northstar:write-key-in-body';

export type KeyAuthenticatedRequest = FastifyRequest & {
  [API_KEY_REQUEST_PROPERTY]?: AuthenticatedKey;
  [BODY_WRITE_KEY_PROPERTY]?: unknown;
};

/**
 * Authenticates a route's caller by API key (ApiKeyAuthenticator), then applies the key's own rate
 * limit (shared by every gateway through Redis; 429 with Retry-After and RateLimit-* headers), then
 * the scopes the route requires (403), and counts the request toward the key's usage.
 *
 * It calls the authenticator itself rather than through a passport strategy: passport builds a
 * middleware and a strategy object for every request, a measurable share of an event ingestion
 * request (SDK routes are the gateway's hottest path), for nothing a key needs.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly limiter: RateLimiter,
    private readonly usage: UsageRecorder,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<KeyAuthenticatedRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (
      this.reflector.getAllAndOverride<boolean | undefined>(WRITE_KEY_IN_BODY, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      request[BODY_WRITE_KEY_PROPERTY] = writeKeyOf(request.body);
    }
    let key: AuthenticatedKey;
    try {
      key = await this.authenticator.authenticate(request);
    } catch (error) {
      if (error instanceof DomainException && error.code === BusErrorCode.Unauthenticated) {
        void reply.header('www-authenticate', 'Bearer realm="northstar", error="invalid_token"');
      }
      throw error;
    }
    request[API_KEY_REQUEST_PROPERTY] = key;

    if (key.rateLimit) {
      const { limit, windowSeconds } = key.rateLimit;
      const decision = await this.limiter.take(`gateway:key-rate:${key.keyId}`, limit, windowSeconds);
      if (decision) {
        void reply
          .header('ratelimit-limit', String(decision.limit))
          .header('ratelimit-remaining', String(decision.remaining))
          .header('ratelimit-reset', String(decision.resetSeconds));
        if (!decision.allowed) {
          throw new DomainException(
            BusErrorCode.RateLimited,
            `The API key's rate limit of ${limit} requests per ${windowSeconds} s is reached`,
            { retryAfterSeconds: decision.retryAfterSeconds },
          );
        }
      }
    }
    this.usage.record(key.keyId);

    const required = this.reflector.getAllAndOverride<KeyScope[] | undefined>(REQUIRED_SCOPES, [
      context.getHandler(),
      context.getClass(),
    ]);
    const missing = (required ?? []).filter((scope) => !key.scopes.includes(scope));
    if (missing.length > 0) {
      throw DomainException.forbidden(
        `The API key lacks the scope ${missing.join(', ')} this route requires`,
      );
    }
    return true;
  }
}

function writeKeyOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)['writeKey']
    : undefined;
}
