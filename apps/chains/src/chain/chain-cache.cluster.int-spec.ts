import type { ChainDto } from '@northstar/contracts';
import { startRedisCluster, type RunningRedisCluster } from '@northstar/testing';
import type { ChainsConfig } from '../config';
import { ChainCache } from './chain.cache';

let cluster: RunningRedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 30_000);

afterAll(async () => cluster?.close());

describe('the catalog cache on a Redis Cluster', () => {
  it('answers the catalog it cached, until a change', async () => {
    const cache = new ChainCache(cluster.redis, { CHAINS_CACHE_TTL_SECONDS: 60 } as ChainsConfig);
    const catalog = [{ slug: 'ethereum' }] as ChainDto[];
    // Several generations: the keys of the generations spread over the cluster's nodes.
    for (let i = 0; i < 6; i++) {
      const { generation } = await cache.read();
      await cache.write(generation, catalog);

      expect(await cache.read()).toEqual({ generation, chains: catalog });

      await cache.invalidate();
      expect(await cache.read()).toEqual({ generation: String(Number(generation) + 1), chains: null });
      // A reader that loaded the database before the change writes under the old generation: unread.
      await cache.write(generation, catalog);
      expect((await cache.read()).chains).toBeNull();
    }
  });
});
