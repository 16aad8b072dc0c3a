import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_KEY_REQUEST_PROPERTY, type KeyAuthenticatedRequest } from '../api-keys/api-key.guard';
import { RateLimiter } from '../api-keys/rate-limiter';
import type { AuthUser } from '../auth/auth-user';
import { GatewayConfig } from '../config';

/**
 * At most ANALYTICS_REQUESTS_PER_MINUTE analytics queries a minute per caller (a user, or an API
 * key), shared by every gateway through Redis: a script polling a big project cannot keep ClickHouse
 * busy for everyone. Runs after authentication; fails open like the key limits (no Redis, no limit).
 */
@Injectable()
export class AnalyticsRateGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<KeyAuthenticatedRequest & FastifyRequest & { user?: AuthUser }>();
    const key = request[API_KEY_REQUEST_PROPERTY];
    const caller = key ? `key:${key.keyId}` : request.user ? `user:${request.user.userId}` : undefined;
    if (!caller) return true;
    const limit = this.config.ANALYTICS_REQUESTS_PER_MINUTE;
    const decision = await this.limiter.take(`gateway:analytics-rate:${caller}`, limit, 60);
    if (decision && !decision.allowed) {
      void http.getResponse<FastifyReply>().header('ratelimit-limit', String(limit));
      throw new DomainException(
        BusErrorCode.RateLimited,
        `At most ${limit} analytics queries a minute; try again in ${decision.retryAfterSeconds} s`,
        { retryAfterSeconds: decision.retryAfterSeconds },
      );
    }
    return true;
  }
}
