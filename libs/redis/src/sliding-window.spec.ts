import type { Redis } from 'ioredis';
import { takeSlidingWindows } from './sliding-window';

describe('takeSlidingWindows', () => {
  // The limits on a Redis Cluster are tested with their services (tenancy's invitations, alerts' test sends).
  it('refuses limits whose keys would live in different slots of a cluster, before asking Redis', async () => {
    const noRedis = {} as Redis;
    await expect(
      takeSlidingWindows(
        noRedis,
        [
          { key: 'test:user:1', limit: 2 },
          { key: 'test:org:1', limit: 5 },
        ],
        60_000,
      ),
    ).rejects.toThrow(/hash tag/);
  });
});
