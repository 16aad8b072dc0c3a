import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { IdentityConfig } from '../config';
import { hashToken, newSecureToken } from '../security/secure-token';

/** What a sign-in begun at a provider must remember until the provider sends the user back. */
export interface PendingSignIn {
  provider: string;
  codeVerifier: string;
  nonce: string;
  /** The console path to land on. */
  redirect: string;
  /** The redirect_uri sent to the provider; the token request must repeat it exactly. */
  callbackUrl: string;
  /**
   * Set when a signed-in user began linking the provider to their account: the callback then links
   * the identity to that user, provided the session that asked is still live, instead of signing in.
   */
  link?: { userId: string; sessionId: string };
}

/** A provider identity proved at the callback, waiting for the console to trade its one-time code. */
export interface ProvedIdentity {
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** The provider is trusted for MFA and its ID token says MFA was done. */
  secondFactor: boolean;
}

/** The console trades the code right after the redirect: a minute is plenty, and limits a leak. */
const CODE_TTL_SECONDS = 60;

/**
 * The short-lived, single-use records of the sign-in flow, in Redis (shared by every replica, expired
 * by Redis itself). Keys are hashes of the values the browser carries, so Redis holds nothing that
 * would let its reader finish someone's sign-in. GETDEL makes each one usable exactly once, even when
 * two requests race.
 */
@Injectable()
export class OidcFlows {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: IdentityConfig,
  ) {}

  async savePending(state: string, pending: PendingSignIn): Promise<void> {
    await this.redis.set(stateKey(state), JSON.stringify(pending), 'EX', this.config.OIDC_STATE_TTL_SECONDS);
  }

  async takePending(state: string): Promise<PendingSignIn | null> {
    const raw = await this.redis.getdel(stateKey(state));
    return raw === null ? null : (JSON.parse(raw) as PendingSignIn);
  }

  /** Stores the proved identity under a new one-time code, and returns the code. */
  async saveProved(proved: ProvedIdentity): Promise<string> {
    const { token, hash } = newSecureToken();
    await this.redis.set(`identity:oidc:code:${hash}`, JSON.stringify(proved), 'EX', CODE_TTL_SECONDS);
    return token;
  }

  async takeProved(code: string): Promise<ProvedIdentity | null> {
    const raw = await this.redis.getdel(`identity:oidc:code:${hashToken(code)}`);
    return raw === null ? null : (JSON.parse(raw) as ProvedIdentity);
  }
}

function stateKey(state: string): string {
  return `identity:oidc:state:${hashToken(state)}`;
}
