import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { assertOneSlot } from './hash-tag';

// Sliding logs of the requests of the last window, one sorted set per limit, checked and counted
// together: a request refused by any limit counts against none, so a client that keeps hammering is
// let in again as soon as enough of its requests leave the window. Exact at any instant, unlike fixed
// windows that let twice the limit through across a boundary. On Redis's clock.
// KEYS: the logs; ARGV[1] window ms, ARGV[2] unique member, ARGV[2 + i] the limit of KEYS[i].
// Answers [allowed, retry after ms].
const SLIDING_WINDOWS_SCRIPT = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local windowMs = tonumber(ARGV[1])
local retryMs = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', nowMs - windowMs)
  local count = redis.call('ZCARD', key)
  local limit = tonumber(ARGV[2 + i])
  if count >= limit then
    local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    retryMs = math.max(retryMs, tonumber(freeing[2]) + windowMs - nowMs)
  end
end
if retryMs > 0 then return { 0, retryMs } end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, nowMs, ARGV[2])
  redis.call('PEXPIRE', key, windowMs)
end
return { 1, 0 }
`;

export interface SlidingWindowDecision {
  allowed: boolean;
  /** Until a request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

/**
 * Counts one request against every `limits` entry (a key and its limit per window), unless one of
 * them is full. Throws when Redis does: callers decide whether that opens or closes the door. The
 * keys of one call share a hash tag (`{...}`), so that they live in one slot of a Redis Cluster.
 */
export async function takeSlidingWindows(
  redis: Redis,
  limits: readonly { key: string; limit: number }[],
  windowMs: number,
): Promise<SlidingWindowDecision> {
  assertOneSlot(limits.map((entry) => entry.key));
  const answer = (await redis.eval(
    SLIDING_WINDOWS_SCRIPT,
    limits.length,
    ...limits.map((entry) => entry.key),
    windowMs,
    randomBytes(8).toString('hex'),
    ...limits.map((entry) => entry.limit),
  )) as [number, number];
  return { allowed: answer[0] === 1, retryAfterMs: answer[0] === 1 ? 0 : answer[1] };
}
