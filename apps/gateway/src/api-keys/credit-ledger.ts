import { Inject, Injectable } from '@nestjs/common';
import { assertOneSlot } from '@northstar/redis';
import { creditCounterKey, creditPeriodOf, type KeyCreditsRecord } from '@northstar/contracts';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { API_KEYS_REDIS } from './api-keys.redis';

// One hash per key: r remaining, g generation of the credits it was seeded from, p refill period of
// r, a refill amount (0: none). Seeded from the caller's record when missing or of an older generation
// (a PATCH of the credits); refilled when the caller's period is later than the stored one; then
// `cost` is spent if there is that much. All in one script: no two gateways can both spend the last
// credit. Only a counter lost from Redis (flushed, evicted) is reseeded from the record, whose count
// may lag by a write-back interval.
// KEYS[1] the counter; ARGV: seed remaining, seed generation, seed period, seed refill amount,
// current period, cost, expiry seconds. Answers [allowed, remaining, generation, period].
export const SPEND_CREDITS_SCRIPT = `
local stored = redis.call('HMGET', KEYS[1], 'r', 'g', 'p', 'a')
local remaining = tonumber(stored[1])
local generation = tonumber(stored[2])
local period = tonumber(stored[3])
local amount = tonumber(stored[4])
local seedGeneration = tonumber(ARGV[2])
if remaining == nil or generation == nil or period == nil or amount == nil or generation < seedGeneration then
  remaining = tonumber(ARGV[1])
  generation = seedGeneration
  period = tonumber(ARGV[3])
  amount = tonumber(ARGV[4])
end
local now = tonumber(ARGV[5])
if amount > 0 and now > period then
  remaining = amount
  period = now
end
local cost = tonumber(ARGV[6])
local allowed = 0
if cost <= remaining then
  remaining = remaining - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'r', string.format('%d', remaining), 'g', generation, 'p', period, 'a', string.format('%d', amount))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
return { allowed, string.format('%d', remaining), generation, period }
`;

const SPEND_SHA = createHash('sha1').update(SPEND_CREDITS_SCRIPT).digest('hex');

/** An idle counter outlives a monthly period; once gone, it is reseeded from the stored credits. */
const COUNTER_TTL_SECONDS = 40 * 86_400;

export interface CreditSpend {
  allowed: boolean;
  remaining: number;
  generation: number;
  period: number;
}

/**
 * The clock refill periods are read from. A provider of its own so that end-to-end tests can move a
 * gateway across a refill boundary without waiting for midnight.
 */
@Injectable()
export class CreditClock {
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }
}

/**
 * Spends keys' credits atomically in Redis, shared by every gateway. Unlike rate limits, it fails
 * closed: without Redis nothing can say whether a credit is left, and credits are what the operator
 * bills by. Throws then; the caller answers 503.
 */
@Injectable()
export class CreditLedger {
  constructor(
    @Inject(API_KEYS_REDIS) private readonly redis: Redis,
    private readonly clock: CreditClock,
  ) {}

  async spend(keyId: string, credits: KeyCreditsRecord, cost: number): Promise<CreditSpend> {
    const key = creditCounterKey(keyId);
    assertOneSlot([key]);
    const args = [
      key,
      String(credits.remaining),
      String(credits.generation),
      String(credits.period),
      String(credits.refill?.amount ?? 0),
      String(creditPeriodOf(credits.refill?.interval, this.clock.now())),
      String(cost),
      String(COUNTER_TTL_SECONDS),
    ];
    const answer = (await this.redis
      .evalsha(SPEND_SHA, 1, ...args)
      .catch((error: unknown) =>
        String(error).includes('NOSCRIPT')
          ? this.redis.eval(SPEND_CREDITS_SCRIPT, 1, ...args)
          : Promise.reject(error),
      )) as [number, string, number, number];
    return {
      allowed: answer[0] === 1,
      remaining: Number(answer[1]),
      generation: Number(answer[2]),
      period: Number(answer[3]),
    };
  }
}
