import type { Actor, PlatformRole, SessionPrincipal } from '@northstar/contracts';

/** The caller of a request authenticated with a user's access token. */
export interface AuthUser {
  userId: string;
  email: string;
  role: PlatformRole;
  /** The session the access token belongs to (`sid` claim). */
  sessionId: string;
  /** Two-factor sign-in was on when the token was minted (`mfa` claim; absent reads as false). */
  mfa: boolean;
  /** The identity provider that signed the session in, `oidc:<id>` (`mfaVia` claim); absent otherwise. */
  mfaVia?: string;
}

/** The actor that commands carry over the bus, so that services check permissions themselves. */
export function actorOf(user: AuthUser): Actor {
  return {
    userId: user.userId,
    role: user.role,
    mfa: user.mfa,
    ...(user.mfaVia === undefined ? {} : { mfaVia: user.mfaVia }),
  };
}

/** The signed-in user as identity's own routes take it: the user and the session of its token. */
export function principalOf(user: AuthUser): SessionPrincipal {
  return { userId: user.userId, sessionId: user.sessionId };
}
