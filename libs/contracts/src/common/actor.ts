import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches } from 'class-validator';

export const PLATFORM_ROLES = ['user', 'admin'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

/**
 * How a session was signed in when an identity provider did it: `oidc:<provider id>`. Organisations
 * that trust that provider's own MFA accept it in place of this platform's second factor.
 */
export const MFA_VIA_PATTERN = /^oidc:[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * Who is acting, as authenticated by the gateway. Commands carry it so that every service can check
 * permissions itself instead of trusting the caller.
 */
export class Actor {
  @IsUUID()
  userId!: string;

  @ApiProperty({ enum: PLATFORM_ROLES })
  @IsIn(PLATFORM_ROLES)
  @IsString()
  role!: PlatformRole;

  /**
   * The user signs in with two factors (the access token's `mfa` claim). Organisations that require
   * two factors refuse actors without it; absent means no.
   */
  @IsOptional()
  @IsBoolean()
  mfa?: boolean;

  /**
   * The session was signed in through this identity provider (the access token's `mfaVia` claim,
   * `oidc:<provider id>`). An organisation listing the provider in `trustedMfaProviders` takes it for
   * two factors; absent for password sign-ins.
   */
  @IsOptional()
  @IsString()
  @Matches(MFA_VIA_PATTERN)
  mfaVia?: string;
}
