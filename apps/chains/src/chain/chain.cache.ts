import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChainDto } from '@northstar/contracts';
import { REDIS, stampGeneration, unstampGeneration } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { ChainsConfig } from '../config';

// One hash tag: the read script touches both keys, which a Redis Cluster runs only in one slot.
const GENERATION_KEY = 'chains:{catalog}:generation';
const CATALOG_KEY = 'chains:{catalog}:entry';

// One round trip: the current generation and the catalog with the generation it was written under.
const READ_SCRIPT = `
return { redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]) }
`;

/**
 * The whole catalog, cached in Redis with the generation number it was loaded under (`<generation>|
 * <json>`). A change bumps the generation, so a reader that loaded the database just before the change
 * can only write a catalog stamped with a generation nobody accepts any more: no stale catalog
 * survives an invalidation. Redis being down only costs speed.
 */
@Injectable()
export class ChainCache {
  private readonly logger = new Logger(ChainCache.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: ChainsConfig,
  ) {}

  async read(): Promise<{ generation: string; chains: ChainDto[] | null }> {
    try {
      const [generation, cached] = (await this.redis.eval(READ_SCRIPT, 2, GENERATION_KEY, CATALOG_KEY)) as [
        string,
        string | null,
      ];
      const json = unstampGeneration(cached, generation);
      return { generation, chains: json === null ? null : (JSON.parse(json) as ChainDto[]) };
    } catch (error) {
      this.logger.warn(`Catalog cache unavailable: ${String(error)}`);
      return { generation: '', chains: null };
    }
  }

  async write(generation: string, chains: ChainDto[]): Promise<void> {
    if (!generation) return;
    await this.redis
      .set(
        CATALOG_KEY,
        stampGeneration(generation, JSON.stringify(chains)),
        'EX',
        this.config.CHAINS_CACHE_TTL_SECONDS,
      )
      .catch((error: unknown) => this.logger.warn(`Catalog cache write failed: ${String(error)}`));
  }

  async invalidate(): Promise<void> {
    await this.redis.incr(GENERATION_KEY);
  }
}
