import { startRedisCluster, type RunningRedisCluster } from '@northstar/testing';
import { takeSlidingWindows } from './sliding-window';

let cluster: RunningRedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 30_000);

afterAll(async () => cluster?.close());

describe('sliding windows on a Redis Cluster', () => {
  it('counts a request against several limits whose keys share a hash tag', async () => {
    const tag = `{test:${Math.random()}}`;
    const limits = [
      { key: `${tag}:user`, limit: 2 },
      { key: `${tag}:org`, limit: 5 },
    ];
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await takeSlidingWindows(cluster.redis, limits, 60_000));
    expect(answers.map((answer) => answer.allowed)).toEqual([true, true, false]);
  });

  it('refuses limits whose keys would live in different slots, before asking Redis', async () => {
    await expect(
      takeSlidingWindows(
        cluster.redis,
        [
          { key: 'test:user:1', limit: 2 },
          { key: 'test:org:1', limit: 5 },
        ],
        60_000,
      ),
    ).rejects.toThrow(/hash tag/);
  });
});
