import { Inject, Injectable, Logger } from '@nestjs/common';
import { creditCounterKey } from '@northstar/contracts';
import { REDIS } from '@northstar/redis';
import type { Redis } from 'ioredis';
import type { ApiKey } from '../key/api-key.entity';

// Replaces the counter with the new credits unless it already holds a later generation (a later
// PATCH that got here first). Same fields as the gateways' spend script (apps/gateway CreditLedger).
// KEYS[1] the counter; ARGV: remaining, generation, period, refill amount, expiry seconds.
const RESET_SCRIPT = `
local generation = tonumber(redis.call('HGET', KEYS[1], 'g'))
if generation ~= nil and generation > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'g', ARGV[2], 'p', ARGV[3], 'a', ARGV[4])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return 1
`;

const COUNTER_TTL_SECONDS = 40 * 86_400;

/**
 * Resets a key's credit counter in Redis when its credits change: the explicit invalidation of the
 * count the gateways spend. Best effort on top of the generation the changed record carries (a gateway
 * reseeds a counter of an older generation at its next verification), so that even a gateway still
 * holding the old record for a moment spends from the new credits.
 */
@Injectable()
export class CreditCounters {
  private readonly logger = new Logger(CreditCounters.name);

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async reset(key: ApiKey): Promise<void> {
    const counter = creditCounterKey(key.id);
    try {
      if (key.creditsRemaining === null) {
        await this.redis.del(counter);
        return;
      }
      await this.redis.eval(
        RESET_SCRIPT,
        1,
        counter,
        String(key.creditsRemaining),
        String(key.creditsGeneration),
        String(key.creditsPeriod),
        String(key.creditsRefillAmount ?? 0),
        String(COUNTER_TTL_SECONDS),
      );
    } catch (error) {
      this.logger.warn(`Credit counter of key ${key.id} not reset (gateways reseed it): ${String(error)}`);
    }
  }
}
