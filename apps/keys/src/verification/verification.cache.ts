import { Inject, Injectable, Logger } from '@nestjs/common';
import { keyVerificationCacheKey, type KeyVerification } from '@northstar/contracts';
import { REDIS } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { KeysConfig } from '../config';

// Writes the record unless Redis holds a newer version of it: a verification that read the database
// just before a change cannot overwrite the record the change wrote.
const WRITE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.version) and tonumber(decoded.version) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`;

/**
 * The Redis read model of key verification that gateways read on a miss of their own cache (see
 * KEY_VERIFICATION_CACHE_PREFIX). Written on each verification and rewritten on each change of a key.
 */
@Injectable()
export class VerificationCache {
  private readonly logger = new Logger(VerificationCache.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: KeysConfig,
  ) {}

  /** Best effort: a failed write only costs the gateways a trip to this service. */
  async offer(record: KeyVerification): Promise<void> {
    await this.write(record).catch((error: unknown) =>
      this.logger.warn(`Verification cache write failed: ${String(error)}`),
    );
  }

  /**
   * After a change, the record must not stay stale: when it cannot be rewritten it is deleted, and
   * when even that fails the record's short expiry is what is left (logged as an error).
   */
  async replace(records: KeyVerification[]): Promise<void> {
    for (const record of records) {
      try {
        await this.write(record);
      } catch (error) {
        await this.redis.del(keyVerificationCacheKey(record.hash)).catch((deleteError: unknown) => {
          this.logger.error(
            `Could not replace the cached record of key ${record.keyId} (it expires within ` +
              `${this.config.KEYS_VERIFICATION_CACHE_TTL_SECONDS} s): ${String(error)}; ${String(deleteError)}`,
          );
        });
      }
    }
  }

  private async write(record: KeyVerification): Promise<void> {
    await this.redis.eval(
      WRITE_SCRIPT,
      1,
      keyVerificationCacheKey(record.hash),
      JSON.stringify(record),
      String(record.version),
      String(this.config.KEYS_VERIFICATION_CACHE_TTL_SECONDS),
    );
  }
}
