import { BusErrorCode, DomainException } from '@northstar/contracts';
import { createRedis } from '@northstar/redis';
import type { IdentityConfig } from '../config';
import { AuthThrottle, lockoutSeconds, MAX_CONSECUTIVE_FAILURES } from './auth-throttle';

describe('login lockouts', () => {
  it('lock nobody out before the fifth failure in a row', () => {
    expect(MAX_CONSECUTIVE_FAILURES).toBe(5);
    for (let failures = 0; failures < 5; failures++) expect(lockoutSeconds(failures)).toBe(0);
  });

  it('grow with every further failure, up to an hour', () => {
    const schedule = [5, 6, 7, 8, 9, 10, 11, 12, 13, 50].map(lockoutSeconds);
    expect(schedule).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
  });
});

describe('without Redis', () => {
  // A real client of a Redis that is not there (nothing listens on port 1).
  const down = createRedis('redis://127.0.0.1:1', 'auth-throttle-spec');
  const throttle = new AuthThrottle(down, {} as IdentityConfig);
  afterAll(() => down.disconnect());

  it('refuses logins (503) rather than let password guessing go on unchecked', async () => {
    const error = await throttle.assertNotLocked('a@b.test').then(
      () => null,
      (refusal: unknown) => refusal,
    );
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).code).toBe(BusErrorCode.Unavailable);
  });
});
