import { Injectable } from '@nestjs/common';
import { REFRESH_TOKEN_TTL_SECONDS, type ClientContext, type TokenPairResponse } from '@northstar/contracts';
import { AccessTokenSigner } from '../security/access-token.signer';
import { PlatformRoles } from '../security/platform-roles';
import { newSecureToken } from '../security/secure-token';
import type { User } from '../users/user.entity';
import { Session } from './session.entity';
import { SessionRepository } from './session.repository';

export function refreshExpiry(now: Date): Date {
  return new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000);
}

/** Opens sessions and mints the token pairs of logins and refreshes. */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly signer: AccessTokenSigner,
    private readonly roles: PlatformRoles,
  ) {}

  /** `mfaVia`: the identity provider that signed the session in (`oidc:<id>`), if one did. */
  async open(
    user: User,
    client: ClientContext,
    mfaVia: string | null = null,
    now = new Date(),
  ): Promise<TokenPairResponse> {
    const refresh = newSecureToken();
    const session = new Session();
    session.userId = user.id;
    session.userAgent = client.userAgent ?? null;
    session.ip = client.ip;
    session.refreshTokenHash = refresh.hash;
    session.createdAt = now;
    session.lastUsedAt = now;
    session.expiresAt = refreshExpiry(now);
    session.mfaVia = mfaVia;
    await this.sessions.insert(session);
    return { ...this.accessToken(user, session), refreshToken: refresh.token };
  }

  /** A fresh access token for the session; the role is re-read from configuration each time. */
  accessToken(
    user: User,
    session: Pick<Session, 'id' | 'mfaVia'>,
  ): { accessToken: string; expiresIn: number } {
    return this.signer.sign({
      sub: user.id,
      role: this.roles.roleOf(user),
      sid: session.id,
      email: user.email,
      // Re-read at every refresh: turning two factors on reaches organisations that require them
      // at the next refresh at the latest (see docs/accounts.md).
      mfa: user.mfaEnabled,
      // Kept by the session: how it was signed in does not change when it is refreshed.
      ...(session.mfaVia ? { mfaVia: session.mfaVia } : {}),
    });
  }
}
