import { BusErrorCode } from '@northstar/contracts';
import { startRedisCluster, type RunningRedisCluster } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import type { NotificationsConfig } from '../config';
import { NotificationLimits } from './notification-limits';

let cluster: RunningRedisCluster;
let limits: NotificationLimits;

beforeAll(async () => {
  cluster = await startRedisCluster();
  limits = new NotificationLimits(cluster.redis, {
    QUEUE_PREFIX: 'test',
    NOTIFICATIONS_PER_ORG_PER_HOUR: 2,
    ALERT_TEST_SENDS_PER_USER_PER_HOUR: 1,
    ALERT_TEST_SENDS_PER_ORG_PER_HOUR: 10,
  } as NotificationsConfig);
}, 30_000);

afterAll(async () => cluster?.close());

describe('alert limits on a Redis Cluster', () => {
  it("suppresses the notifications past the organisation's hourly budget, answering each one alike", async () => {
    const orgId = randomUUID();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const answers = [];
    for (const id of ids) answers.push(await limits.allowNotification(orgId, id));
    expect(answers).toEqual([true, true, false]);
    // A retried evaluation asks again for the same notifications and gets the same answers.
    expect(await limits.allowNotification(orgId, ids[2])).toBe(false);
    expect(await limits.allowNotification(orgId, ids[0])).toBe(true);
  });

  it('refuses the test sends of a user past the hourly limit', async () => {
    const userId = randomUUID();
    await limits.hitTestSend(randomUUID(), userId);

    await expect(limits.hitTestSend(randomUUID(), userId)).rejects.toMatchObject({
      code: BusErrorCode.RateLimited,
    });
  });
});
