import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BusErrorCode,
  DomainException,
  MFA_TOKEN_TTL_SECONDS,
  type MfaRequiredResponse,
} from '@northstar/contracts';
import { REDIS } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { hashToken, newSecureToken } from '../security/secure-token';

/** Who passed the first step of a sign-in, and how: what the second step needs to finish it. */
export interface MfaChallenge {
  userId: string;
  method: string;
}

const challengeKey = (tokenHash: string) => `identity:mfa-challenge:${tokenHash}`;

/**
 * The `mfaToken`s between the two steps of a sign-in: short-lived, single use, and in Redis by their
 * SHA-256 only, so a reader of Redis cannot finish anyone's sign-in. Redis being down refuses
 * sign-ins with two factors (503): there is nowhere safe to keep the challenge.
 */
@Injectable()
export class MfaChallenges {
  private readonly logger = new Logger(MfaChallenges.name);

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async issue(challenge: MfaChallenge): Promise<MfaRequiredResponse> {
    const { token, hash } = newSecureToken();
    await this.guarded(() =>
      this.redis.set(challengeKey(hash), JSON.stringify(challenge), 'EX', MFA_TOKEN_TTL_SECONDS),
    );
    return { mfaRequired: true, mfaToken: token, expiresIn: MFA_TOKEN_TTL_SECONDS };
  }

  /** The challenge of a live token, left in place (wrong codes may be retried until the lockout). */
  async find(token: string): Promise<MfaChallenge | null> {
    const stored = await this.guarded(() => this.redis.get(challengeKey(hashToken(token))));
    return stored ? (JSON.parse(stored) as MfaChallenge) : null;
  }

  /** Ends the token; false when it already ended, so that of two concurrent completions one wins. */
  async consume(token: string): Promise<boolean> {
    return (await this.guarded(() => this.redis.del(challengeKey(hashToken(token))))) === 1;
  }

  private async guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.logger.warn(`Two-factor challenges unavailable: ${String(error)}`);
      throw new DomainException(
        BusErrorCode.Unavailable,
        'Signing in is unavailable for a moment; try again shortly',
        {
          retryAfterSeconds: 5,
        },
      );
    }
  }
}
