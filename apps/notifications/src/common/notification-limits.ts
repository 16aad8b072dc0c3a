import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { REDIS, takeSlidingWindows } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { NotificationsConfig } from '../config';

const HOUR_MS = 3_600_000;

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
 * test sends per user and per organisation (429 past them), the organisation's budget of
 * notifications, past which notifications are recorded as suppressed instead of sent, and the pace of
 * messages to each chat destination. If Redis is
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
    // Per user and per organisation, counted together: a send refused by either counts against neither.
    // Both keys in one script need one hash tag (one cluster slot): that of all test-send limits.
    const answer = await this.guarded('test send limit', () =>
      takeSlidingWindows(
        this.redis,
        [
          {
            key: this.key(`{test-sends}:user:${userId}`),
            limit: this.config.ALERT_TEST_SENDS_PER_USER_PER_HOUR,
          },
          {
            key: this.key(`{test-sends}:org:${orgId}`),
            limit: this.config.ALERT_TEST_SENDS_PER_ORG_PER_HOUR,
          },
        ],
        HOUR_MS,
      ),
    );
    if (!answer || answer.allowed) return;
    throw new DomainException(
      BusErrorCode.RateLimited,
      'Too many test notifications of alerts this hour, by you or by your organisation',
      { retryAfterSeconds: Math.max(1, Math.ceil(answer.retryAfterMs / 1000)) },
    );
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
        // The organisation's hash tag on both: one script, one cluster slot.
        this.key(`budget:{${orgId}}:${hour}`),
        this.key(`budget:{${orgId}}:decision:${notificationId}`),
        this.config.NOTIFICATIONS_PER_ORG_PER_HOUR,
        2 * 3600,
      ),
    );
    return allowed === undefined || allowed === 1;
  }

  /**
   * Takes a place for one message to a chat destination (CHAT_MESSAGES_PER_DESTINATION per
   * CHAT_DESTINATION_WINDOW_MS, sliding): 0 when it may go now, else how many ms until a place frees.
   * `destination` is hashed into the key: it is a secret, and Redis is no place for it.
   */
  async chatDestinationWait(destination: string): Promise<number> {
    const id = createHash('sha256').update(destination).digest('hex').slice(0, 32);
    const answer = await this.guarded('chat destination limit', () =>
      takeSlidingWindows(
        this.redis,
        [{ key: this.key(`{chat:${id}}`), limit: this.config.CHAT_MESSAGES_PER_DESTINATION }],
        this.config.CHAT_DESTINATION_WINDOW_MS,
      ),
    );
    return !answer || answer.allowed ? 0 : Math.max(1, answer.retryAfterMs);
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
