import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChainDto } from '@northstar/contracts';
import { REDIS } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { ChainsConfig } from '../config';

const GENERATION_KEY = 'chains:catalog:generation';
const catalogKey = (generation: string) => `chains:catalog:${generation}`;

// One round trip: read the current generation and the catalog stored under it.
const READ_SCRIPT = `
local generation = redis.call('GET', KEYS[1]) or '0'
return { generation, redis.call('GET', 'chains:catalog:' .. generation) }
`;

/**
 * The whole catalog, cached in Redis under a generation number. A change bumps the generation, so a
 * reader that loaded the database just before the change can only write under a generation nobody
 * reads any more: no stale catalog survives an invalidation. Redis being down only costs speed.
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
      const [generation, cached] = (await this.redis.eval(READ_SCRIPT, 1, GENERATION_KEY)) as [
        string,
        string | null,
      ];
      return { generation, chains: cached ? (JSON.parse(cached) as ChainDto[]) : null };
    } catch (error) {
      this.logger.warn(`Catalog cache unavailable: ${String(error)}`);
      return { generation: '', chains: null };
    }
  }

  async write(generation: string, chains: ChainDto[]): Promise<void> {
    if (!generation) return;
    await this.redis
      .set(catalogKey(generation), JSON.stringify(chains), 'EX', this.config.CHAINS_CACHE_TTL_SECONDS)
      .catch((error: unknown) => this.logger.warn(`Catalog cache write failed: ${String(error)}`));
  }

  async invalidate(): Promise<void> {
    await this.redis.incr(GENERATION_KEY);
  }
}
