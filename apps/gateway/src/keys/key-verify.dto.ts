import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsSlug, KEY_SCOPES, MAX_VERIFY_COST, RPC_METHOD_PATTERN, type KeyScope } from '@northstar/contracts';
import { IsInt, IsIP, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { VERIFY_CODES, type VerifyCode } from '../api-keys/verify-codes';

/** What an RPC proxy asks about one call it received. */
export class VerifyKeyBody {
  @ApiProperty({
    example: 'nsk_live_4fZq7TnW0xYb3KcR9mPd2LsV8hJe6GaU',
    description: 'The key the call came with',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  key!: string;

  @ApiPropertyOptional({
    example: 'ethereum',
    description: "The chain slug the call is for (checked against the key's allowedChains)",
  })
  @IsOptional()
  @IsSlug('chain')
  chain?: string;

  @ApiPropertyOptional({
    example: 'https://app.example.com',
    description: "The call's `Origin` header, if any (checked against the key's allowedOrigins)",
  })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  origin?: string;

  @ApiPropertyOptional({
    example: '203.0.113.7',
    description: "The caller's address (checked against allowedIps)",
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({ example: 'eth_call', description: 'The JSON-RPC method, for usage reports' })
  @IsOptional()
  @Matches(RPC_METHOD_PATTERN, {
    message: 'method must be 1 to 100 characters of A-Z, a-z, 0-9, _ . : -',
  })
  method?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_VERIFY_COST,
    default: 1,
    description: 'Credits the call spends of a key with credits; 0: free (still verified and recorded)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_VERIFY_COST)
  cost?: number;
}

export class VerifyCreditsDto {
  @ApiProperty({ example: 99_120, description: 'Credits left after this call' })
  remaining!: number;
}

export class VerifyRateLimitDto {
  @ApiProperty({ example: 600 })
  limit!: number;

  @ApiProperty({ example: 599 })
  remaining!: number;

  @ApiProperty({
    example: 1_796_000_000_000,
    description: 'When the full limit is available again (epoch ms)',
  })
  reset!: number;
}

export class VerifyKeyAnswer {
  @ApiProperty({ description: 'Whether the proxy should serve the call' })
  valid!: boolean;

  @ApiProperty({
    enum: VERIFY_CODES,
    description:
      'Why not: `NOT_FOUND` (no such key), `REVOKED`, `EXPIRED`, `SCOPE_MISSING` (no `rpc` scope), ' +
      '`CHAIN_NOT_ALLOWED`, `ORIGIN_NOT_ALLOWED`, `IP_NOT_ALLOWED` (outside an allowlist, or the detail ' +
      'was not given), `RATE_LIMITED`, `USAGE_EXCEEDED` (no credits left); checked in this order',
  })
  code!: VerifyCode;

  @ApiPropertyOptional({ format: 'uuid' })
  keyId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  projectId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  orgId?: string;

  @ApiPropertyOptional({ enum: KEY_SCOPES, isArray: true })
  scopes?: KeyScope[];

  @ApiPropertyOptional({ type: VerifyCreditsDto, description: 'Keys with credits only' })
  credits?: VerifyCreditsDto;

  @ApiPropertyOptional({ type: VerifyRateLimitDto, description: 'Keys with a rate limit only' })
  rateLimit?: VerifyRateLimitDto;
}
