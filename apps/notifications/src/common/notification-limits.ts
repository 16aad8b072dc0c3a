import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { REDIS } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { NotificationsConfig } from '../config';

const HOUR_MS = 3_600_000;

// Sliding logs of the last hour's test sends, one per user and one per organisation, checked and
// counted together: a send refused by either limit counts against neither. Exact at any instant,
// unlike fixed windows that let twice the limit through across a boundary.
// KEYS: the logs; ARGV[1] window ms, ARGV[2] unique member, ARGV[2 + i] the limit of KEYS[i].
// Answers [allowed, retry after ms].
const SLIDING_WINDOWS_SCRIPT = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local windowMs = tonumber(ARGV[1])
local retryMs = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', nowMs - windowMs)
  local count = redis.call('ZCARD', key)
  local limit = tonumber(ARGV[2 + i])
  if count >= limit then
    local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    retryMs = math.max(retryMs, tonumber(freeing[2]) + windowMs - nowMs)
  end
end
if retryMs > 0 then return { 0, retryMs } end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, nowMs, ARGV[2])
  redis.call('PEXPIRE', key, windowMs)
end
return { 1, 0 }
`;

// The organisation's notifications of the current clock hour, decided once per notification: an
// evaluation retried after a crash asks again for the same notification and gets the same answer
// without counting it twice. KEYS[1] the hour's count, KEYS[2] the decision; ARGV[1] the budget,
// ARGV[2] how long both are kept (s). Answers 1 when the notification may be sent.
const HOURLY_BUDGET_SCRIPT = `
local decided = redis.call('GET', KEYS[2])
if decided then return tonumber(decided) end
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
local allowed = 0
if count <= tonumber(ARGV[1]) then allowed = 1 end
redis.call('SET', KEYS[2], allowed, 'EX', tonumber(ARGV[2]))
return allowed
`;

/**
 * Hourly limits on what alerts send, in Redis so that every replica shares them (issue 14, finding 4):
 * test sends per user and per organisation (429 past them), and the organisation's budget of
 * notifications, past which notifications are recorded as suppressed instead of sent. If Redis is
 * down the checks let everything through (logged): alerts keep working, without these limits, for as
 * long as the outage lasts — the deliveries' queue lives in the same Redis anyway.
 */
@Injectable()
export class NotificationLimits {
  private readonly logger = new Logger(NotificationLimits.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: NotificationsConfig,
  ) {}

  /** Counts one test send of an alert; 429 with `retryAfterSeconds` past either hourly limit. */
  async hitTestSend(orgId: string, userId: string): Promise<void> {
    const answer = await this.guarded('test send limit', () =>
      this.redis.eval(
        SLIDING_WINDOWS_SCRIPT,
        2,
        this.key(`test-sends:user:${userId}`),
        this.key(`test-sends:org:${orgId}`),
        HOUR_MS,
        randomBytes(8).toString('hex'),
        this.config.ALERT_TEST_SENDS_PER_USER_PER_HOUR,
        this.config.ALERT_TEST_SENDS_PER_ORG_PER_HOUR,
      ),
    );
    if (!answer) return;
    const [allowed, retryAfterMs] = answer as [number, number];
    if (allowed !== 1) {
      throw new DomainException(
        BusErrorCode.RateLimited,
        'Too many test notifications of alerts this hour, by you or by your organisation',
        { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) },
      );
    }
  }

  /**
   * Whether the notification `notificationId` of the organisation fits this clock hour's budget
   * (NOTIFICATIONS_PER_ORG_PER_HOUR). The same notification always gets the same answer.
   */
  async allowNotification(orgId: string, notificationId: string, now = new Date()): Promise<boolean> {
    const hour = Math.floor(now.getTime() / HOUR_MS);
    const allowed = await this.guarded('notification budget', () =>
      this.redis.eval(
        HOURLY_BUDGET_SCRIPT,
        2,
        this.key(`budget:${orgId}:${hour}`),
        this.key(`budget-decision:${notificationId}`),
        this.config.NOTIFICATIONS_PER_ORG_PER_HOUR,
        2 * 3600,
      ),
    );
    return allowed === undefined || allowed === 1;
  }

  // Under the deployment's prefix, like the queues, so that two deployments can share one Redis.
  private key(suffix: string): string {
    return `${this.config.QUEUE_PREFIX}:notifications:limits:${suffix}`;
  }

  private async guarded<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      this.logger.warn(`Alert limits unavailable (${what}), letting it through: ${String(error)}`);
      return undefined;
    }
  }
}
