import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ACCESS_TOKEN, PLATFORM_ROLES, type AccessTokenClaims } from '@northstar/contracts';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from './auth-user';
import type { SessionGate } from './session-gate';

export const USER_JWT_STRATEGY = 'user-jwt';

/**
 * Verifies a user's access JWT (`Authorization: Bearer <jwt>`) locally: signature, algorithm, issuer,
 * audience and expiry; then that its session (`sid`) has not been revoked since (SessionGate: from
 * memory, asking identity at most every SESSION_RECHECK_SECONDS per session).
 */
@Injectable()
export class UserJwtStrategy extends PassportStrategy(Strategy, USER_JWT_STRATEGY) {
  constructor(
    secret: string,
    private readonly sessions: SessionGate,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: secret,
      algorithms: [ACCESS_TOKEN.algorithm],
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
      ignoreExpiration: false,
    });
  }

  /** A token that verifies but lacks a claim was not minted by identity: refused like a forged one. */
  async validate(claims: Partial<AccessTokenClaims>): Promise<AuthUser | false> {
    const { sub, sid, email, role } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof email !== 'string') return false;
    if (!PLATFORM_ROLES.includes(role as AuthUser['role'])) return false;
    const user: AuthUser = { userId: sub, sessionId: sid, email, role: role as AuthUser['role'] };
    await this.sessions.assertActive(user);
    return user;
  }
}
