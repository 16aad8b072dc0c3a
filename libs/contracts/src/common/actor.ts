import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID } from 'class-validator';

export const PLATFORM_ROLES = ['user', 'admin'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

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
}
