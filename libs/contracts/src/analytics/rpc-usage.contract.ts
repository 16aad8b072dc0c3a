import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsUUID,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsSlug } from '../common/slug';
import { IsIsoTime } from '../common/time';

/**
 * The answers of POST /v1/keys/verify (the gateway's RPC proxy verification), shared with analytics,
 * which stores each verification as RPC usage beside the product events.
 */
export const VERIFY_CODES = [
  'VALID',
  'NOT_FOUND',
  'REVOKED',
  'EXPIRED',
  'RATE_LIMITED',
  'USAGE_EXCEEDED',
  'CHAIN_NOT_ALLOWED',
  'ORIGIN_NOT_ALLOWED',
  'IP_NOT_ALLOWED',
  'SCOPE_MISSING',
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

/** A JSON-RPC method name as proxies report it. */
export const RPC_METHOD_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;
export const MAX_RPC_USAGE_ENTRIES = 10_000;

/** Verifications of one key in one hour, to one chain and method, with one answer code. */
export class RpcUsageEntry {
  @IsUUID()
  keyId!: string;

  @IsUUID()
  projectId!: string;

  /** The start of the hour. */
  @IsIsoTime()
  hour!: string;

  @IsOptional()
  @IsSlug('chain')
  chain?: string;

  @IsOptional()
  @Matches(RPC_METHOD_PATTERN)
  method?: string;

  @IsIn(VERIFY_CODES)
  code!: VerifyCode;

  @IsInt()
  @Min(1)
  requests!: number;
}

/** The gateway's batched verification counts; a batch sent again (lost reply) counts once. */
export class RecordRpcUsageRequest {
  @IsUUID()
  batchId!: string;

  @IsArray()
  @ArrayMaxSize(MAX_RPC_USAGE_ENTRIES)
  @ValidateNested({ each: true })
  @Type(() => RpcUsageEntry)
  entries!: RpcUsageEntry[];
}

export class RecordRpcUsageResponse {
  recorded!: number;
}
