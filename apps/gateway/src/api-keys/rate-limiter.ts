import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { API_KEYS_REDIS } from './api-keys.redis';

/**
 * GCRA (the generic cell rate algorithm: a token bucket kept as one timestamp) in one atomic script,
 * on Redis's clock so that every gateway replica counts against the same bucket. `limit` requests
 * may come at once; after that one more every `window / limit`. Times are in microseconds, written
 * with %d so that Lua never rounds them.
 *
 * ARGV: limit, window (µs), 1 to take or 0 to only look, cost (how many units the request spends).
 * Answers: allowed (1/0), remaining, retry after (µs), until the bucket is full again (µs).
 */
const GCRA_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[4] or '1')
local interval = math.max(1, math.floor(window / limit))
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local next_tat = tat + interval * cost
local allow_at = next_tat - window
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil((next_tat - now) / 1000))
  return {1, math.floor((now + window - next_tat) / interval), 0, next_tat - now}
end
return {1, math.floor((now + window - tat) / interval), 0, tat - now}
`;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until a request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
  /** Whole seconds until the full limit is available again. */
  resetSeconds: number;
}

const GCRA_SHA = createHash('sha1').update(GCRA_SCRIPT).digest('hex');

const seconds = (microseconds: number) => Math.ceil(microseconds / 1_000_000);

/** Rate limits shared by every gateway replica. Fails open: without Redis, requests are not limited. */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);

  constructor(@Inject(API_KEYS_REDIS) private readonly redis: Redis) {}

  /**
   * Counts `cost` units (a request, or the events of a batch) against the bucket, unless it has fewer
   * left. A cost above the limit spends the whole limit: it must stay possible once the bucket is full.
   */
  take(bucket: string, limit: number, windowSeconds: number, cost = 1): Promise<RateDecision | null> {
    return this.run(bucket, limit, windowSeconds, true, Math.max(1, Math.min(Math.floor(cost), limit)));
  }

  /** Whether a request would be allowed now, without counting one. */
  peek(bucket: string, limit: number, windowSeconds: number): Promise<RateDecision | null> {
    return this.run(bucket, limit, windowSeconds, false);
  }

  private async run(
    bucket: string,
    limit: number,
    windowSeconds: number,
    take: boolean,
    cost = 1,
  ): Promise<RateDecision | null> {
    try {
      const args = [bucket, String(limit), String(windowSeconds * 1_000_000), take ? '1' : '0', String(cost)];
      // By its SHA: the script travels once per Redis server, not with every request.
      const answer = await this.redis
        .evalsha(GCRA_SHA, 1, ...args)
        .catch((error: unknown) =>
          String(error).includes('NOSCRIPT')
            ? this.redis.eval(GCRA_SCRIPT, 1, ...args)
            : Promise.reject(error),
        );
      const [allowed, remaining, retryAfter, reset] = answer as [number, number, number, number];
      return {
        allowed: allowed === 1,
        limit,
        remaining: Math.max(0, remaining),
        retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, seconds(retryAfter)),
        resetSeconds: seconds(Math.max(0, reset)),
      };
    } catch (error) {
      this.logger.debug(`Rate limit of ${bucket} not applied, Redis unavailable: ${String(error)}`);
      return null;
    }
  }
}
