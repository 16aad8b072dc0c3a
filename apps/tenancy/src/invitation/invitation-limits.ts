import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { REDIS, takeSlidingWindows } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { TenancyConfig } from '../config';

const HOUR_MS = 3_600_000;

/**
 * Hourly limits on the invitations a user and an organisation send (issue 14, finding 4): each one
 * mails an address nobody vouched for, so an account may not turn tenancy into a mailer. In Redis so
 * that every replica shares them. If Redis is down they let invitations through (logged), like the
 * alerts' limits: inviting keeps working, without the limits, for as long as the outage lasts.
 */
@Injectable()
export class InvitationLimits {
  private readonly logger = new Logger(InvitationLimits.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: TenancyConfig,
  ) {}

  /** Counts one invitation; 429 with `retryAfterSeconds` past either hourly limit. */
  async hit(orgId: string, userId: string): Promise<void> {
    let answer;
    try {
      // Per user and per organisation, counted together: one refused by either counts against neither.
      // A user invites to several organisations and an organisation has several users, so the one
      // hash tag both keys can share (one script, one cluster slot) is that of all invitation limits.
      answer = await takeSlidingWindows(
        this.redis,
        [
          { key: `tenancy:{invitations}:user:${userId}`, limit: this.config.INVITATIONS_PER_USER_PER_HOUR },
          { key: `tenancy:{invitations}:org:${orgId}`, limit: this.config.INVITATIONS_PER_ORG_PER_HOUR },
        ],
        HOUR_MS,
      );
    } catch (error) {
      this.logger.warn(`Invitation limits unavailable, letting it through: ${String(error)}`);
      return;
    }
    if (answer.allowed) return;
    throw new DomainException(
      BusErrorCode.RateLimited,
      'Too many invitations this hour, by you or by your organisation',
      { retryAfterSeconds: Math.max(1, Math.ceil(answer.retryAfterMs / 1000)) },
    );
  }
}
