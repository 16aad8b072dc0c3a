import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { IsName } from '../common/name';
import { Nested } from '../common/nested';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import { IsIsoTime } from '../common/time';
import {} from '../common/transforms';
import { IsSlug, SLUG_MESSAGE, SLUG_PATTERN } from '../common/slug';
import type { Rpc } from '../rpc';
import { API_KEY_HASH_PATTERN } from './api-key';
import { KeyCredits, KeyCreditsDto, type KeyCreditsRecord } from './key-credits';
import {
  IP_RANGE_MESSAGE,
  MAX_KEY_ALLOWLIST_ENTRIES,
  MAX_KEY_ALLOWLIST_ENTRY_LENGTH,
  ORIGIN_PATTERN_MESSAGE,
  parseIpRange,
  parseOriginPattern,
} from './key-allowlists';

/**
 * Request/reply subjects of the keys service. Every command carries the acting user; keys asks
 * tenancy (`keys:manage` to change, `keys:read` to read) and answers `not_found` for keys of an
 * organisation the actor is not a member of.
 */
export const KeysSubjects = {
  create: 'keys.key.create',
  list: 'keys.key.list',
  get: 'keys.key.get',
  update: 'keys.key.update',
  rotate: 'keys.key.rotate',
  revoke: 'keys.key.revoke',
  endpoints: 'keys.key.endpoints',
  /** The gateway, on a cache miss: key hash → what the key may do. No actor: the hash is the credential. */
  verify: 'keys.key.verify',
  /** The gateway's batched request counts per key and hour. */
  recordUsage: 'keys.usage.record',
  /** Hourly request counts of one key (the actor needs `keys:read` on its project). */
  queryUsage: 'keys.usage.query',
  /** Daily request counts per project of an organisation (the actor needs `keys:read` on it). */
  queryOrgUsage: 'keys.usage.org',
  /**
   * How many active keys (not revoked, not expired) the organisation's projects have: `keys:read` on
   * the organisation, or a platform admin (plans are theirs to change).
   */
  countOrgKeys: 'keys.key.count',
} as const;

export const KEY_SCOPES = ['events:write', 'analytics:read', 'rpc', 'metrics:write'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export const MAX_KEY_RATE_LIMIT = 1_000_000;
export const MAX_KEY_RATE_WINDOW_SECONDS = 86_400;
/** The longest grace period of a rotation: the old key works at most this long after it. */
export const MAX_ROTATION_GRACE_SECONDS = 30 * 86_400;
export const MAX_USAGE_ENTRIES = 10_000;
/** The widest range one usage query reads: a year and a day. */
export const MAX_USAGE_RANGE_MS = 366 * 86_400_000;

function Scopes(): PropertyDecorator {
  const decorators = [
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(KEY_SCOPES.length),
    ArrayUnique(),
    IsIn(KEY_SCOPES, { each: true, message: `each scope must be one of ${KEY_SCOPES.join(', ')}` }),
  ];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

/**
 * An allowlist of a key: optional (absent or null: no restriction; on PATCH null or [] clears it), at
 * most MAX_KEY_ALLOWLIST_ENTRIES distinct strings, each accepted by `isEntry`.
 */
function Allowlist(name: string, isEntry: (value: string) => boolean, message: string): PropertyDecorator {
  const decorators = [
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_KEY_ALLOWLIST_ENTRIES),
    ArrayUnique(),
    IsString({ each: true }),
    MaxLength(MAX_KEY_ALLOWLIST_ENTRY_LENGTH, { each: true }),
    ValidateBy(
      { name, validator: { validate: (value) => typeof value === 'string' && isEntry(value) } },
      { each: true, message: `each entry of $property ${message}` },
    ),
  ];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

const AllowedOrigins = (): PropertyDecorator =>
  Allowlist('isOriginPattern', (value) => parseOriginPattern(value) !== null, ORIGIN_PATTERN_MESSAGE);
const AllowedIps = (): PropertyDecorator =>
  Allowlist('isIpRange', (value) => parseIpRange(value) !== null, IP_RANGE_MESSAGE);
const AllowedChains = (): PropertyDecorator =>
  Allowlist('isChainSlug', (value) => SLUG_PATTERN.test(value), `must be a chain slug (${SLUG_MESSAGE})`);

const ORIGINS_DESCRIPTION =
  'Origins the key may be used from (its `Origin` header): exact origins, or `https://*.example.com` for ' +
  'any subdomain of example.com (not example.com itself). A request without `Origin` is refused too: set ' +
  'it on browser keys only (server SDKs send no Origin). Answers reflect an allowed origin in ' +
  '`Access-Control-Allow-Origin`. Other origins: 403 `key-origin-not-allowed`.';
const IPS_DESCRIPTION =
  'Client addresses the key may be used from: IPv4 or IPv6 addresses and CIDR ranges. Others: 403 ' +
  '`key-ip-not-allowed`.';
const CHAINS_DESCRIPTION =
  'Slugs of the chain catalog the key may name: its RPC endpoints list only these, an event whose ' +
  '`web3.chainId` is another chain is refused (`POST /v1/events` and per-type routes: 403 ' +
  '`key-chain-not-allowed`; batches: that event is in `rejected`). An unknown slug is 400.';
const allowlistProperty = (description: string, example: string[], clearing: string): ApiPropertyOptions => ({
  type: [String],
  nullable: true,
  maxItems: MAX_KEY_ALLOWLIST_ENTRIES,
  example,
  description: `${description} ${clearing}`,
});
const ORIGINS_EXAMPLE = ['https://app.example.com', 'https://*.example.com'];
const IPS_EXAMPLE = ['203.0.113.7', '198.51.100.0/24', '2001:db8::/32'];
const CHAINS_EXAMPLE = ['ethereum', 'polygon'];
const REPLACES = 'A list replaces the current one; null or [] removes the restriction; absent keeps it.';

/** At most `limit` requests in any `windowSeconds`, counted per key across every gateway. */
export class KeyRateLimit {
  @ApiProperty({ example: 600, minimum: 1, maximum: MAX_KEY_RATE_LIMIT })
  @IsInt()
  @Min(1)
  @Max(MAX_KEY_RATE_LIMIT)
  limit!: number;

  @ApiProperty({ example: 60, minimum: 1, maximum: MAX_KEY_RATE_WINDOW_SECONDS })
  @IsInt()
  @Min(1)
  @Max(MAX_KEY_RATE_WINDOW_SECONDS)
  windowSeconds!: number;
}

// ---------------------------------------------------------------------------------------------
// Path parameters and bodies of the public routes.

export class KeyIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'keyId must be a key id' })
  keyId!: string;
}

export class ProjectKeysParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'projectId must be a project id' })
  projectId!: string;
}

export class CreateKeyBody {
  @ApiProperty({ example: 'Production server', minLength: 1, maxLength: 100 })
  @IsName()
  name!: string;

  @ApiProperty({ enum: KEY_SCOPES, isArray: true, example: ['events:write'], minItems: 1 })
  @Scopes()
  scopes!: KeyScope[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The key stops working at this time (must be in the future). Absent or null: never.',
  })
  @IsOptional()
  @IsIsoTime()
  expiresAt?: string | null;

  @ApiPropertyOptional({
    type: KeyRateLimit,
    nullable: true,
    description:
      "Requests allowed per window, across every gateway; absent: the organisation's plan's default " +
      '(none unless the operator set one, see docs/plans.md); null: no per-key limit',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => KeyRateLimit)
  rateLimit?: KeyRateLimit | null;

  @ApiPropertyOptional(allowlistProperty(ORIGINS_DESCRIPTION, ORIGINS_EXAMPLE, 'Absent, null or []: any.'))
  @AllowedOrigins()
  allowedOrigins?: string[] | null;

  @ApiPropertyOptional(allowlistProperty(IPS_DESCRIPTION, IPS_EXAMPLE, 'Absent, null or []: any.'))
  @AllowedIps()
  allowedIps?: string[] | null;

  @ApiPropertyOptional(allowlistProperty(CHAINS_DESCRIPTION, CHAINS_EXAMPLE, 'Absent, null or []: any.'))
  @AllowedChains()
  allowedChains?: string[] | null;

  @ApiPropertyOptional({
    type: KeyCredits,
    nullable: true,
    description:
      'Credits that each verification by an RPC proxy (`POST /v1/keys/verify`) spends; at zero the ' +
      'verification answers `USAGE_EXCEEDED`. Absent or null: unlimited.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => KeyCredits)
  credits?: KeyCredits | null;
}

export class UpdateKeyBody {
  @ApiPropertyOptional({ example: 'Production server (EU)', minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsName()
  name?: string;

  @ApiPropertyOptional({ enum: KEY_SCOPES, isArray: true, minItems: 1 })
  @IsOptional()
  @Scopes()
  scopes?: KeyScope[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'A new expiry (in the future), or null to remove it',
  })
  @IsOptional()
  @IsIsoTime()
  expiresAt?: string | null;

  @ApiPropertyOptional({
    type: KeyRateLimit,
    nullable: true,
    description: 'A new limit, or null to remove it',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => KeyRateLimit)
  rateLimit?: KeyRateLimit | null;

  @ApiPropertyOptional(allowlistProperty(ORIGINS_DESCRIPTION, ORIGINS_EXAMPLE, REPLACES))
  @AllowedOrigins()
  allowedOrigins?: string[] | null;

  @ApiPropertyOptional(allowlistProperty(IPS_DESCRIPTION, IPS_EXAMPLE, REPLACES))
  @AllowedIps()
  allowedIps?: string[] | null;

  @ApiPropertyOptional(allowlistProperty(CHAINS_DESCRIPTION, CHAINS_EXAMPLE, REPLACES))
  @AllowedChains()
  allowedChains?: string[] | null;

  @ApiPropertyOptional({
    type: KeyCredits,
    nullable: true,
    description:
      'New credits: they replace the remaining count at once on every gateway (and restart the refill ' +
      'period); null removes the limit; absent keeps the current credits.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => KeyCredits)
  credits?: KeyCredits | null;
}

export class RotateKeyBody {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_ROTATION_GRACE_SECONDS,
    default: 0,
    description: 'How long the previous key keeps working; 0 stops it at once',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ROTATION_GRACE_SECONDS)
  gracePeriodSeconds?: number;
}

// ---------------------------------------------------------------------------------------------
// Bus requests.

export class CreateKeyRequest extends CreateKeyBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

export class ListKeysRequest extends PageQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  projectId!: string;
}

/** Any request about one key and nothing else. */
export class KeyRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  keyId!: string;
}

export class UpdateKeyRequest extends UpdateKeyBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  keyId!: string;
}

export class RotateKeyRequest extends RotateKeyBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  keyId!: string;
}

export class VerifyKeyRequest {
  @Matches(API_KEY_HASH_PATTERN, { message: 'hash must be the SHA-256 of a key, in lower-case hex' })
  hash!: string;
}

export class KeyUsageEntry {
  @IsUUID()
  keyId!: string;

  /** The start of the hour the requests fall in. */
  @IsIsoTime()
  hour!: string;

  @IsInt()
  @Min(1)
  requests!: number;

  /** The time of the last of these requests. */
  @IsIsoTime()
  lastUsedAt!: string;

  /** The chain an RPC request went to; absent for other requests. */
  @IsOptional()
  @IsSlug('chain')
  chain?: string;
}

/**
 * The credits a gateway last saw left for a key (after its latest spend), written back to the key
 * unless its credits have changed since (another generation) or another report is lower.
 */
export class KeyCreditsReport {
  @IsUUID()
  keyId!: string;

  @IsInt()
  @Min(0)
  generation!: number;

  @IsInt()
  @Min(0)
  period!: number;

  @IsInt()
  @Min(0)
  remaining!: number;
}

export class RecordUsageRequest {
  /** Makes a retried batch count once. */
  @IsUUID()
  batchId!: string;

  @IsArray()
  @ArrayMaxSize(MAX_USAGE_ENTRIES)
  @ValidateNested({ each: true })
  @Type(() => KeyUsageEntry)
  entries!: KeyUsageEntry[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_USAGE_ENTRIES)
  @ValidateNested({ each: true })
  @Type(() => KeyCreditsReport)
  credits?: KeyCreditsReport[];
}

/** A usage range [from, to): whole hours are counted, each in the hour it starts. */
export class UsageRange {
  @IsIsoTime()
  from!: string;

  @IsIsoTime()
  to!: string;
}

export class QueryKeyUsageRequest extends UsageRange {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  keyId!: string;
}

export class QueryOrgUsageRequest extends UsageRange {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class CountOrgKeysRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

// ---------------------------------------------------------------------------------------------
// Answers.

/** An API key as its project's members see it: never the key itself. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ example: 'Production server' })
  name!: string;

  @ApiProperty({
    example: 'nsk_live_4fZ',
    description: 'The first 12 characters of the current key, to recognise it; not usable on its own',
  })
  prefix!: string;

  @ApiProperty({ enum: KEY_SCOPES, isArray: true })
  scopes!: KeyScope[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: KeyRateLimit, nullable: true })
  rateLimit!: KeyRateLimit | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Recorded in batches: may lag real use by up to a minute',
  })
  lastUsedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;

  @ApiProperty({ type: [String], example: ORIGINS_EXAMPLE, description: `${ORIGINS_DESCRIPTION} []: any.` })
  allowedOrigins!: string[];

  @ApiProperty({ type: [String], example: IPS_EXAMPLE, description: `${IPS_DESCRIPTION} []: any.` })
  allowedIps!: string[];

  @ApiProperty({ type: [String], example: CHAINS_EXAMPLE, description: `${CHAINS_DESCRIPTION} []: any.` })
  allowedChains!: string[];

  @ApiProperty({ type: KeyCreditsDto, nullable: true, description: 'null: verifications spend nothing' })
  credits!: KeyCreditsDto | null;
}

/** The answer of creation: the only time the key is shown. */
export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'nsk_live_4fZq7TnW0xYb3KcR9mPd2LsV8hJe6GaU',
    description: 'The key itself, shown in this answer only: Northstar keeps nothing but its SHA-256',
  })
  key!: string;
}

/** The answer of rotation: the new key, shown once, and until when the previous one still works. */
export class RotatedApiKeyDto extends CreatedApiKeyDto {
  @ApiProperty({
    format: 'date-time',
    description: 'The previous key works until this time (the rotation time when the grace period is 0)',
  })
  previousKeyExpiresAt!: string;
}

export class ApiKeyListResponse extends PageResponse(ApiKeyDto) {}

export class KeyEndpointDto {
  @ApiProperty({ example: 'ethereum', description: 'The chain slug' })
  chain!: string;

  @ApiProperty({
    nullable: true,
    type: Number,
    example: 1,
    description: 'EIP-155 chain id; null outside EVM',
  })
  chainId!: number | null;

  @ApiProperty({ example: 'https://ethereum.rpc.northstar.dev/v1/{key}' })
  http!: string;

  @ApiProperty({ example: 'wss://ethereum.rpc.northstar.dev/ws/v1/{key}' })
  ws!: string;
}

/**
 * What the gateway needs to authenticate a request made with one key: the record behind one key
 * hash. `expiresAt` is the earlier of the key's expiry and, for a key replaced by a rotation, the end
 * of its grace period. `version` grows with every change of the key, so that a cache never replaces
 * a newer record with an older one.
 */
export class KeyVerification {
  keyId!: string;
  orgId!: string;
  projectId!: string;
  hash!: string;
  scopes!: KeyScope[];
  expiresAt!: string | null;
  rateLimit!: KeyRateLimit | null;
  revoked!: boolean;
  version!: number;
  /** The key's allowlists, as ApiKeyDto shows them; [] (or absent, in records older than them): any. */
  allowedOrigins?: string[];
  allowedIps?: string[];
  allowedChains?: string[];
  /** The EIP-155 ids of `allowedChains` (those that have one), to check events' `web3.chainId`. */
  allowedChainIds?: number[];
  /** The key's credits, to seed the gateways' counter in Redis; null or absent: unlimited. */
  credits?: KeyCreditsRecord | null;
}

export class VerifyKeyResponse {
  /** null: no key has this hash. */
  key!: KeyVerification | null;
}

export class RecordUsageResponse {
  /** Entries stored (those of unknown keys are dropped). */
  recorded!: number;
  /** The batch had already been recorded: nothing was counted twice. */
  duplicate!: boolean;
}

/** Requests of one key in one hour to one chain (`''`: requests that were not RPC calls). */
export class KeyUsageHour {
  hour!: string;
  chain!: string;
  requests!: number;
}

export class QueryKeyUsageResponse {
  keyId!: string;
  orgId!: string;
  projectId!: string;
  /** Hours with requests in the range, oldest first. */
  hours!: KeyUsageHour[];
}

/** Requests made with a project's keys in one UTC day (`YYYY-MM-DD`). */
export class ProjectUsageDayCount {
  projectId!: string;
  day!: string;
  requests!: number;
}

export class QueryOrgUsageResponse {
  orgId!: string;
  /** Days with requests in the range, per project. */
  days!: ProjectUsageDayCount[];
}

export class OrgKeyCountResponse {
  orgId!: string;
  /** Keys that are neither revoked nor expired: what a plan's maxKeys counts. */
  active!: number;
}

export class RevokedResponse {
  revoked!: true;
}

export interface KeysContract {
  [KeysSubjects.create]: Rpc<CreateKeyRequest, CreatedApiKeyDto>;
  [KeysSubjects.list]: Rpc<ListKeysRequest, ApiKeyListResponse>;
  [KeysSubjects.get]: Rpc<KeyRequest, ApiKeyDto>;
  [KeysSubjects.update]: Rpc<UpdateKeyRequest, ApiKeyDto>;
  [KeysSubjects.rotate]: Rpc<RotateKeyRequest, RotatedApiKeyDto>;
  [KeysSubjects.revoke]: Rpc<KeyRequest, RevokedResponse>;
  [KeysSubjects.endpoints]: Rpc<KeyRequest, KeyEndpointDto[]>;
  [KeysSubjects.verify]: Rpc<VerifyKeyRequest, VerifyKeyResponse>;
  [KeysSubjects.recordUsage]: Rpc<RecordUsageRequest, RecordUsageResponse>;
  [KeysSubjects.queryUsage]: Rpc<QueryKeyUsageRequest, QueryKeyUsageResponse>;
  [KeysSubjects.queryOrgUsage]: Rpc<QueryOrgUsageRequest, QueryOrgUsageResponse>;
  [KeysSubjects.countOrgKeys]: Rpc<CountOrgKeysRequest, OrgKeyCountResponse>;
}
