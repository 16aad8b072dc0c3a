import { ApiProperty, ApiPropertyOptional, PartialType, OmitType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsNotIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import { toBoolean } from '../common/transforms';
import { IsSlug } from '../common/slug';
import type { DomainEvent, Rpc } from '../rpc';

export const ChainsSubjects = {
  list: 'chains.chain.list',
  get: 'chains.chain.get',
  create: 'chains.chain.create',
  update: 'chains.chain.update',
  delete: 'chains.chain.delete',
  /** The audit log of catalog changes, newest first; platform admins only. */
  audit: 'chains.audit.list',
} as const;

/** Best-effort core-NATS broadcasts: every replica of a listening service hears each one. */
export const ChainsBroadcasts = {
  /** Any change to the catalog; `keys` and caches listen. */
  changed: 'chains.chain.changed',
} as const;

export const ECOSYSTEMS = ['evm', 'solana', 'bitcoin', 'cosmos', 'starknet'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

export const CHAIN_STATUSES = ['active', 'inactive'] as const;
export type ChainStatus = (typeof CHAIN_STATUSES)[number];

/** The placeholder an RPC template must contain; it is replaced by the caller's API key. */
export const RPC_KEY_PLACEHOLDER = '{key}';
const TEMPLATE_MESSAGE = `must be an absolute URL containing ${RPC_KEY_PLACEHOLDER}`;

export class NativeCurrency {
  @ApiProperty({ example: 'ETH' })
  @IsString()
  @MinLength(1)
  @MaxLength(16)
  symbol!: string;

  @ApiProperty({ example: 18 })
  @IsInt()
  @Min(0)
  @Max(36)
  decimals!: number;
}

export class RpcTemplates {
  @ApiProperty({ example: 'https://eth-mainnet.rpc.northstar.dev/v1/{key}' })
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  @Matches(/\{key\}/, { message: `http ${TEMPLATE_MESSAGE}` })
  http!: string;

  @ApiProperty({ example: 'wss://eth-mainnet.rpc.northstar.dev/v1/{key}' })
  @IsUrl({ protocols: ['ws', 'wss'], require_tld: false, require_protocol: true })
  @Matches(/\{key\}/, { message: `ws ${TEMPLATE_MESSAGE}` })
  ws!: string;
}

/** A chain of the catalog as the public API shows it. */
export class ChainDto {
  @ApiProperty({ example: 'ethereum' })
  slug!: string;

  @ApiProperty({
    nullable: true,
    type: Number,
    example: 1,
    description: 'EIP-155 chain id; null outside EVM',
  })
  chainId!: number | null;

  @ApiProperty({ example: 'Ethereum' })
  name!: string;

  @ApiProperty({ enum: ECOSYSTEMS })
  ecosystem!: Ecosystem;

  @ApiProperty()
  testnet!: boolean;

  @ApiProperty({ type: NativeCurrency })
  nativeCurrency!: NativeCurrency;

  @ApiProperty({ example: 'https://etherscan.io' })
  explorerUrl!: string;

  @ApiProperty({ enum: CHAIN_STATUSES })
  status!: ChainStatus;

  @ApiProperty({ type: RpcTemplates, description: 'Endpoint templates; `{key}` stands for an API key' })
  rpc!: RpcTemplates;
}

export class ChainListResponse extends PageResponse(ChainDto) {}

export class ListChainsRequest extends PageQuery {
  @ApiPropertyOptional({ enum: ECOSYSTEMS })
  @IsOptional()
  @IsIn(ECOSYSTEMS)
  ecosystem?: Ecosystem;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  testnet?: boolean;

  @ApiPropertyOptional({ enum: CHAIN_STATUSES })
  @IsOptional()
  @IsIn(CHAIN_STATUSES)
  status?: ChainStatus;
}

export class ChainSlugParams {
  @ApiProperty({ example: 'ethereum' })
  @IsSlug()
  slug!: string;
}

export class GetChainRequest extends ChainSlugParams {}

/** Slugs taken by routes under `/v1/chains/` (`GET /v1/chains/audit`), so no chain may have them. */
export const RESERVED_CHAIN_SLUGS = ['audit'] as const;

/** The writable fields of a chain, as the admin routes take them. */
export class ChainInput {
  @ApiProperty({ example: 'ethereum' })
  @IsSlug()
  @IsNotIn(RESERVED_CHAIN_SLUGS, { message: `slug must not be one of ${RESERVED_CHAIN_SLUGS.join(', ')}` })
  slug!: string;

  @ApiPropertyOptional({ nullable: true, type: Number, example: 1 })
  @ValidateIf((o: ChainInput) => o.ecosystem === 'evm' || (o.chainId !== undefined && o.chainId !== null))
  @IsInt()
  @Min(1)
  chainId?: number | null;

  @ApiProperty({ example: 'Ethereum' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: ECOSYSTEMS })
  @IsIn(ECOSYSTEMS)
  ecosystem!: Ecosystem;

  @ApiProperty()
  @IsBoolean()
  testnet!: boolean;

  @ApiProperty({ type: NativeCurrency })
  @ValidateNested()
  @Type(() => NativeCurrency)
  nativeCurrency!: NativeCurrency;

  @ApiProperty({ example: 'https://etherscan.io' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  explorerUrl!: string;

  @ApiPropertyOptional({ enum: CHAIN_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(CHAIN_STATUSES)
  status?: ChainStatus;

  @ApiProperty({ type: RpcTemplates })
  @ValidateNested()
  @Type(() => RpcTemplates)
  rpc!: RpcTemplates;
}

export class ChainPatch extends PartialType(OmitType(ChainInput, ['slug'] as const)) {}

/** The actor of a catalog change, with the email the audit log records next to the user id. */
export class ChainActor extends Actor {
  /** The admin's email as the access token states it; absent when the caller does not know it. */
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;
}

export class CreateChainRequest {
  @IsDefined()
  @ValidateNested()
  @Type(() => ChainActor)
  actor!: ChainActor;

  @IsDefined()
  @ValidateNested()
  @Type(() => ChainInput)
  chain!: ChainInput;
}

export class UpdateChainRequest extends ChainSlugParams {
  @IsDefined()
  @ValidateNested()
  @Type(() => ChainActor)
  actor!: ChainActor;

  @IsDefined()
  @ValidateNested()
  @Type(() => ChainPatch)
  patch!: ChainPatch;
}

export class DeleteChainRequest extends ChainSlugParams {
  @IsDefined()
  @ValidateNested()
  @Type(() => ChainActor)
  actor!: ChainActor;
}

export class DeletedResponse {
  deleted!: true;
}

export const CHAIN_CHANGES = ['created', 'updated', 'deleted'] as const;
export type ChainChange = (typeof CHAIN_CHANGES)[number];

export interface ChainChangedEvent {
  slug: string;
  change: ChainChange;
}

/** `GET /v1/chains/audit`: `?chain=&limit=&cursor=`. */
export class ChainAuditQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'ethereum', description: 'Only the changes of this chain slug' })
  @IsOptional()
  @IsSlug('chain')
  chain?: string;
}

export class ListChainAuditRequest extends ChainAuditQuery {
  @IsDefined()
  @ValidateNested()
  @Type(() => Actor)
  actor!: Actor;
}

export class ChainAuditActor {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ nullable: true, type: String, example: 'ops@example.com' })
  email!: string | null;
}

/** One change of the catalog: who made it, when, and the chain before and after. */
export class ChainAuditEntryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ enum: CHAIN_CHANGES })
  change!: ChainChange;

  @ApiProperty({ example: 'ethereum', description: 'The slug of the chain changed' })
  chain!: string;

  @ApiProperty({ type: ChainAuditActor })
  actor!: ChainAuditActor;

  @ApiProperty({ type: [String], example: ['rpc'], description: 'Top-level fields whose value changed' })
  fields!: string[];

  @ApiProperty({ type: ChainDto, nullable: true, description: 'null for a creation' })
  before!: ChainDto | null;

  @ApiProperty({ type: ChainDto, nullable: true, description: 'null for a deletion' })
  after!: ChainDto | null;
}

export class ChainAuditPage extends PageResponse(ChainAuditEntryDto) {}

export interface ChainsContract {
  [ChainsSubjects.list]: Rpc<ListChainsRequest, ChainListResponse>;
  [ChainsSubjects.get]: Rpc<GetChainRequest, ChainDto>;
  [ChainsSubjects.create]: Rpc<CreateChainRequest, ChainDto>;
  [ChainsSubjects.update]: Rpc<UpdateChainRequest, ChainDto>;
  [ChainsSubjects.delete]: Rpc<DeleteChainRequest, DeletedResponse>;
  [ChainsSubjects.audit]: Rpc<ListChainAuditRequest, ChainAuditPage>;
}

export interface ChainsBroadcastsContract {
  [ChainsBroadcasts.changed]: DomainEvent<ChainChangedEvent>;
}
