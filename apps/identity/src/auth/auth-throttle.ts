import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { REDIS, takeSlidingWindows } from '@northstar/redis';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { IdentityConfig } from '../config';

/** Consecutive failed logins of one account after which its logins are refused for a while. */
export const MAX_CONSECUTIVE_FAILURES = 5;
const FIRST_LOCKOUT_SECONDS = 30;
const MAX_LOCKOUT_SECONDS = 3600;
// An account's failure streak is forgotten after a day without failures.
const FAILURE_MEMORY_SECONDS = 24 * 3600;
const IP_WINDOW_MS = 60_000;
/** Password-reset emails one account may receive per hour; more requests are answered but not sent. */
export const MAX_RESET_EMAILS_PER_HOUR = 5;

/**
 * How long an account stays locked after its `failures`-th consecutive failure: nothing before the
 * fifth, then 30 s, doubling with each further failure, at most an hour.
 */
export function lockoutSeconds(failures: number): number {
  if (failures < MAX_CONSECUTIVE_FAILURES) return 0;
  return Math.min(MAX_LOCKOUT_SECONDS, FIRST_LOCKOUT_SECONDS * 2 ** (failures - MAX_CONSECUTIVE_FAILURES));
}

// KEYS[1] failure count, KEYS[2] lock; ARGV[1] failure memory (s), ARGV[1 + n] the lockout (s) after
// n failures in a row (the last entry applies to longer streaks).
const RECORD_FAILURE_SCRIPT = `
local failures = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
local lockout = tonumber(ARGV[1 + math.min(failures, #ARGV - 1)])
if lockout > 0 then redis.call('SET', KEYS[2], failures, 'EX', lockout) end
return failures
`;

/**
 * The brute-force defences of the auth routes, in Redis so that every replica shares them:
 * a per-IP request limit, and per-account lockouts after consecutive failed logins. Accounts are
 * keyed by a hash of the normalised email whether or not it exists, so a locked unknown email
 * answers exactly like a locked real one. If Redis is down, the lockout check fails closed (logins
 * answer 503) and the other checks let requests through (logged).
 */
@Injectable()
export class AuthThrottle {
  private readonly logger = new Logger(AuthThrottle.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: IdentityConfig,
  ) {}

  /** Counts one auth request of `ip`; 429 once it made the configured number in the last minute. */
  async hitIp(ip: string): Promise<void> {
    // A sliding window: refused requests are not counted, so a client that keeps hammering is let in
    // again as soon as its oldest request leaves the minute.
    const answer = await this.guarded('ip limit', () =>
      takeSlidingWindows(
        this.redis,
        [{ key: `identity:auth:ip:${ip}`, limit: this.config.AUTH_IP_LIMIT_PER_MINUTE }],
        IP_WINDOW_MS,
      ),
    );
    if (answer && !answer.allowed) {
      throw rateLimited('Too many authentication requests from your address', answer.retryAfterMs);
    }
  }

  /**
   * 429 while the account is locked out, whatever the password. Fails closed: without Redis nobody
   * can tell a locked account, so logins answer 503 (Retry-After) rather than let guessing go on.
   */
  async assertNotLocked(email: string): Promise<void> {
    let ttlMs: number;
    try {
      ttlMs = await this.redis.pttl(lockKey(email));
    } catch (error) {
      this.logger.warn(`Login lockouts unavailable, refusing logins: ${String(error)}`);
      throw new DomainException(
        BusErrorCode.Unavailable,
        'Signing in is unavailable for a moment; try again shortly',
        { retryAfterSeconds: 5 },
      );
    }
    if (ttlMs > 0) {
      throw rateLimited('Too many failed logins for this account; try again later', ttlMs);
    }
  }

  async recordFailure(email: string): Promise<void> {
    const schedule = Array.from({ length: 16 }, (_, index) => lockoutSeconds(index + 1));
    await this.guarded('failure record', () =>
      this.redis.eval(
        RECORD_FAILURE_SCRIPT,
        2,
        failuresKey(email),
        lockKey(email),
        FAILURE_MEMORY_SECONDS,
        ...schedule,
      ),
    );
  }

  /** A successful login (or a password reset) ends the failure streak. */
  async clearFailures(email: string): Promise<void> {
    await this.guarded('failure reset', () => this.redis.del(failuresKey(email), lockKey(email)));
  }

  /** Whether another reset email may go to this account this hour (the request is answered anyway). */
  async allowResetEmail(email: string): Promise<boolean> {
    const key = `identity:reset-emails:${accountHash(email)}`;
    const count = await this.guarded('reset email count', async () => {
      const [[, sent]] = (await this.redis.multi().incr(key).expire(key, 3600, 'NX').exec()) as [
        [Error | null, number],
      ];
      return sent;
    });
    return count === undefined || count <= MAX_RESET_EMAILS_PER_HOUR;
  }

  private async guarded<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      this.logger.warn(
        `Auth throttling unavailable (${what}), letting the request through: ${String(error)}`,
      );
      return undefined;
    }
  }
}

function rateLimited(message: string, retryAfterMs: number): DomainException {
  return new DomainException(BusErrorCode.RateLimited, message, {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}

// Keyed by a hash so that Redis holds no email addresses.
function accountHash(email: string): string {
  return createHash('sha256').update(email, 'utf8').digest('hex');
}

// One hash tag per account: the failure script touches both keys, which a Redis Cluster runs only
// when they share a slot.
const failuresKey = (email: string) => `identity:login:{${accountHash(email)}}:failures`;
const lockKey = (email: string) => `identity:login:{${accountHash(email)}}:lock`;
