import { Injectable } from '@nestjs/common';
import { ACCESS_TOKEN, type AccessTokenClaims } from '@northstar/contracts';
import { sign } from 'jsonwebtoken';
import { IdentityConfig } from '../config';

/** Signs the short-lived access JWTs that the gateway verifies on every request without a bus call. */
@Injectable()
export class AccessTokenSigner {
  constructor(private readonly config: IdentityConfig) {}

  sign(claims: AccessTokenClaims): { accessToken: string; expiresIn: number } {
    const { sub, ...rest } = claims;
    const accessToken = sign(rest, this.config.JWT_SECRET, {
      algorithm: ACCESS_TOKEN.algorithm,
      subject: sub,
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
      expiresIn: ACCESS_TOKEN.ttlSeconds,
    });
    return { accessToken, expiresIn: ACCESS_TOKEN.ttlSeconds };
  }
}
