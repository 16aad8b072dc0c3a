import { BusErrorCode } from '@northstar/contracts';
import { startRedisCluster, type RunningRedisCluster } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import type { TenancyConfig } from '../config';
import { InvitationLimits } from '../invitation/invitation-limits';
import { AccessCache } from './access.cache';

let cluster: RunningRedisCluster;
const config = {
  TENANCY_ACCESS_CACHE_TTL_SECONDS: 60,
  INVITATIONS_PER_USER_PER_HOUR: 2,
  INVITATIONS_PER_ORG_PER_HOUR: 10,
} as TenancyConfig;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 30_000);

afterAll(async () => cluster?.close());

describe('the access cache on a Redis Cluster', () => {
  it('answers the roles it cached, until the organisation changes', async () => {
    const cache = new AccessCache(cluster.redis, config);
    // Several organisations: their keys spread over the cluster's nodes.
    for (let i = 0; i < 6; i++) {
      const orgId = randomUUID();
      const userId = randomUUID();
      const { generation } = await cache.readRole(orgId, userId);
      expect(generation).toBe('0');
      // Every other organisation requires two factors, trusting the provider `corp` once in a while.
      const access = {
        role: 'admin' as const,
        requireMfa: i % 2 === 1,
        trustedMfaProviders: i % 4 === 1 ? ['corp', 'okta-2'] : [],
      };
      await cache.writeRole(orgId, userId, generation, access);

      expect(await cache.readRole(orgId, userId)).toEqual({ generation: '0', role: access });

      await cache.invalidateOrg(orgId);
      expect(await cache.readRole(orgId, userId)).toEqual({ generation: '1', role: undefined });
      // A reader that loaded the database before the change writes under the old generation: unread.
      await cache.writeRole(orgId, userId, generation, {
        role: 'owner',
        requireMfa: false,
        trustedMfaProviders: [],
      });
      expect(await cache.readRole(orgId, userId)).toEqual({ generation: '1', role: undefined });
    }
  });
});

describe('invitation limits on a Redis Cluster', () => {
  it('refuses the invitations of a user past the hourly limit', async () => {
    const limits = new InvitationLimits(cluster.redis, config);
    const userId = randomUUID();
    await limits.hit(randomUUID(), userId);
    await limits.hit(randomUUID(), userId);

    await expect(limits.hit(randomUUID(), userId)).rejects.toMatchObject({ code: BusErrorCode.RateLimited });
  });
});
