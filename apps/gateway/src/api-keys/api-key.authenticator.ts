import { Injectable } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { BODY_WRITE_KEY_PROPERTY, presentedApiKey } from './api-key-credential';
import { ApiKeysSettings } from './api-keys.settings';
import { KeyVerifier, type AuthenticatedKey, type KeyOutcome, type KeyRefusal } from './key-verifier';
import { RateLimiter } from './rate-limiter';

export interface KeyRequest {
  headers: Record<string, string | string[] | undefined>;
  ip: string;
  /** The body's `writeKey`, put here by ApiKeyGuard on the routes that accept the key in the body. */
  [BODY_WRITE_KEY_PROPERTY]?: unknown;
}

const REFUSALS: Record<KeyRefusal | 'none', string> = {
  none:
    'An API key is required: send Authorization: Bearer <key>, X-Api-Key: <key>, ' +
    'or HTTP Basic with the key as the user name',
  malformed: 'The API key is invalid',
  unknown: 'The API key is invalid',
  revoked: 'The API key has been revoked',
  expired: 'The API key has expired',
};

/**
 * Turns a request into the key it was made with, or refuses it. The common case, a valid key this
 * replica has seen in the last seconds, is answered from memory with no I/O at all. Anything else
 * (no key, an unknown, revoked or expired key) counts against the client address, which gets 429
 * after API_KEY_FAILED_ATTEMPTS_PER_MINUTE such attempts, before any lookup of the keys service is
 * made for it; keys that memory or the Redis read model know as valid still pass.
 */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    private readonly verifier: KeyVerifier,
    private readonly limiter: RateLimiter,
    private readonly settings: ApiKeysSettings,
  ) {}

  async authenticate(request: KeyRequest): Promise<AuthenticatedKey> {
    const presented = presentedApiKey(request.headers, request[BODY_WRITE_KEY_PROPERTY]);
    if (presented.kind === 'ambiguous') return this.refuse(request.ip, presented.reason);
    if (presented.kind === 'none') return this.refuse(request.ip, REFUSALS.none);

    const remembered = this.verifier.cached(presented.key);
    if (remembered?.ok) return remembered.key;
    // A key this replica does not know as valid: first check that the address may still try.
    const budget = await this.limiter.peek(this.failureBucket(request.ip), this.failuresPerMinute(), 60);
    if (budget && !budget.allowed) {
      // A flood of bad keys from an address (often a proxy or NAT many clients share) must not lock
      // out the valid keys behind it: those the read model knows still pass, with no bus lookup.
      const known = await this.verifier.known(presented.key);
      if (known?.ok) return known.key;
      throw tooManyFailures(budget.retryAfterSeconds);
    }
    const outcome: KeyOutcome = remembered ?? (await this.verifier.verify(presented.key));
    if (outcome.ok) return outcome.key;
    return this.refuse(request.ip, REFUSALS[outcome.refusal]);
  }

  private async refuse(ip: string, message: string): Promise<never> {
    const budget = await this.limiter.take(this.failureBucket(ip), this.failuresPerMinute(), 60);
    if (budget && !budget.allowed) throw tooManyFailures(budget.retryAfterSeconds);
    throw new DomainException(BusErrorCode.Unauthenticated, message);
  }

  private failuresPerMinute(): number {
    return this.settings.API_KEY_FAILED_ATTEMPTS_PER_MINUTE;
  }

  private failureBucket(ip: string): string {
    return `gateway:api-key-failures:${ip}`;
  }
}

function tooManyFailures(retryAfterSeconds: number): DomainException {
  return new DomainException(
    BusErrorCode.RateLimited,
    'Too many requests without a valid API key from this address; try again later',
    { retryAfterSeconds },
  );
}
