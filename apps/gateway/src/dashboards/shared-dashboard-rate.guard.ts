import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { RateLimiter } from '../api-keys/rate-limiter';
import { GatewayConfig } from '../config';

/**
 * At most SHARED_DASHBOARD_REQUESTS_PER_MINUTE reads a minute of one share link, and as many from one
 * client address, shared by every gateway through Redis: a link posted in public, or a client trying
 * tokens, cannot keep ClickHouse busy. The bucket names the token's hash, never the token. Fails open
 * like the other limits (no Redis, no limit).
 */
@Injectable()
export class SharedDashboardRateGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest<{ Params: { token?: string } }>>();
    const limit = this.config.SHARED_DASHBOARD_REQUESTS_PER_MINUTE;
    const token = createHash('sha256')
      .update(String(request.params.token ?? ''))
      .digest('hex');
    // The address first: a client trying many tokens is stopped whatever tokens it tries.
    for (const bucket of [`ip:${request.ip}`, `token:${token}`]) {
      const decision = await this.limiter.take(`gateway:shared-dashboard:${bucket}`, limit, 60);
      if (decision && !decision.allowed) {
        void http.getResponse<FastifyReply>().header('ratelimit-limit', String(limit));
        throw new DomainException(
          BusErrorCode.RateLimited,
          `Too many reads of shared dashboards; try again in ${decision.retryAfterSeconds} s`,
          { retryAfterSeconds: decision.retryAfterSeconds },
        );
      }
    }
    return true;
  }
}
