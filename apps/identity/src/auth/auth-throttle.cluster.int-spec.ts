import { BusErrorCode } from '@northstar/contracts';
import { startRedisCluster, type RunningRedisCluster } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import type { IdentityConfig } from '../config';
import { AuthThrottle, MAX_CONSECUTIVE_FAILURES } from './auth-throttle';

let cluster: RunningRedisCluster;
let throttle: AuthThrottle;

beforeAll(async () => {
  cluster = await startRedisCluster();
  throttle = new AuthThrottle(cluster.redis, { AUTH_IP_LIMIT_PER_MINUTE: 300 } as IdentityConfig);
}, 30_000);

afterAll(async () => cluster?.close());

describe('login lockouts on a Redis Cluster', () => {
  it('locks an account after its consecutive failures, and a success unlocks it', async () => {
    const email = `${randomUUID()}@example.com`;
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) await throttle.recordFailure(email);

    await expect(throttle.assertNotLocked(email)).rejects.toMatchObject({ code: BusErrorCode.RateLimited });

    await throttle.clearFailures(email);
    await expect(throttle.assertNotLocked(email)).resolves.toBeUndefined();
  });
});
