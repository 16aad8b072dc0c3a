import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ACCESS_TOKEN, MFA_VIA_PATTERN, PLATFORM_ROLES, type AccessTokenClaims } from '@northstar/contracts';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from './auth-user';

export const USER_JWT_STRATEGY = 'user-jwt';

/**
 * Verifies a user's access JWT (`Authorization: Bearer <jwt>`) locally, with no bus call: signature,
 * algorithm, issuer, audience and expiry. Whether its session still stands is the guard's to check
 * (SessionGate): passport keeps one strategy per name for the whole process, so the strategy holds
 * nothing of one application in particular.
 */
@Injectable()
export class UserJwtStrategy extends PassportStrategy(Strategy, USER_JWT_STRATEGY) {
  constructor(secret: string) {
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
  validate(claims: Partial<AccessTokenClaims>): AuthUser | false {
    const { sub, sid, email, role, mfa, mfaVia } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof email !== 'string') return false;
    if (!PLATFORM_ROLES.includes(role as AuthUser['role'])) return false;
    if (mfaVia !== undefined && (typeof mfaVia !== 'string' || !MFA_VIA_PATTERN.test(mfaVia))) return false;
    return {
      userId: sub,
      sessionId: sid,
      email,
      role: role as AuthUser['role'],
      mfa: mfa === true,
      ...(mfaVia === undefined ? {} : { mfaVia }),
    };
  }
}
