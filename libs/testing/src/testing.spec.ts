import { SLUG_PATTERN } from '@northstar/contracts';
import { testEnv } from './env';
import { eventually } from './eventually';
import { adminActor, chainInput, uniqueSlug, userActor } from './factories';

describe('test helpers', () => {
  it('makes unique slugs that pass the slug rules', () => {
    const slugs = Array.from({ length: 200 }, () => uniqueSlug('a-rather-long-prefix-for-a-slug'));
    expect(new Set(slugs).size).toBe(200);
    for (const slug of slugs) expect(slug).toMatch(SLUG_PATTERN);
    expect(() => uniqueSlug('Not Valid')).toThrow(/bad prefix/);
  });

  it('makes actors with UUID user ids and the asked role', () => {
    expect(adminActor()).toEqual({ userId: expect.stringMatching(/^[0-9a-f-]{36}$/), role: 'admin' });
    expect(userActor().role).toBe('user');
    expect(adminActor().userId).not.toBe(adminActor().userId);
  });

  it('makes chains that do not collide', () => {
    const [a, b] = [chainInput(), chainInput()];
    expect(a.slug).not.toBe(b.slug);
    expect(a.chainId).not.toBe(b.chainId);
    expect(a.rpc.http).toContain('{key}');
  });

  it('retries until the condition holds, and returns its value', async () => {
    let attempts = 0;
    const value = await eventually(() => {
      attempts += 1;
      if (attempts < 3) throw new Error('not yet');
      return 'done';
    });
    expect({ value, attempts }).toEqual({ value: 'done', attempts: 3 });
  });

  it('rethrows the last failure once the time is up', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('never');
        },
        { timeoutMs: 60, intervalMs: 10 },
      ),
    ).rejects.toThrow(/still failing after 60 ms: never/);
  });

  it('points services at the test stores with an ephemeral ops port', () => {
    const stores = {
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/northstar_test',
      CLICKHOUSE_DATABASE: 'northstar_test',
    };
    expect(testEnv(stores)).toMatchObject({ NODE_ENV: 'test', OPS_PORT: '0', BUS_TIMEOUT_MS: '5000' });
    expect(testEnv({ ...stores, BUS_TIMEOUT_MS: '100' })['BUS_TIMEOUT_MS']).toBe('100');
  });

  it('refuses a database that is not a test database', () => {
    expect(() => testEnv({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/northstar' })).toThrow(
      /Refusing/,
    );
    expect(() => testEnv({ CLICKHOUSE_DATABASE: 'northstar' })).toThrow(/Refusing/);
  });
});
