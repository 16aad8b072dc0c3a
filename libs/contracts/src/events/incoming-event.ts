import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsEventTime, IsIdValue, IsJsonObject } from './event-validators';

/**
 * An event as SDKs send it: the Segment spec (track, page, screen, identify, group, alias) extended
 * for Web3 (transaction, wallet). Validated one by one by the ingestion routes; fields Segment and
 * RudderStack libraries add (`integrations`, `_metadata`, `channel`, `writeKey`, ...) are accepted and
 * ignored, so these classes are validated with unknown fields stripped rather than refused.
 */
export const EVENT_TYPES = [
  'track',
  'page',
  'screen',
  'identify',
  'group',
  'alias',
  'transaction',
  'wallet',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The types whose `event` (the action's name) is required. */
export const NAMED_EVENT_TYPES: readonly EventType[] = ['track', 'transaction', 'wallet'];

export const TX_STATUSES = ['success', 'failed', 'pending'] as const;
export type TxStatus = (typeof TX_STATUSES)[number];

export const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;
export const TX_HASH_PATTERN = /^0x[0-9a-fA-F]{64}$/;
/** A base-10 unsigned integer of any size (wei). */
export const UINT_STRING_PATTERN = /^[0-9]+$/;
// Printable: the id becomes part of a NATS header (the JetStream de-duplication id).
export const MESSAGE_ID_PATTERN = /^\P{Cc}{1,200}$/u;

const MAX_NAME_LENGTH = 255;

const OptionalString = (): PropertyDecorator => (target, key) => {
  IsOptional()(target, key);
  IsString()(target, key);
};

export class PageContext {
  @ApiPropertyOptional({ example: 'https://app.example.com/pricing?plan=pro' })
  @OptionalString()
  url?: string;

  @ApiPropertyOptional({ example: '/pricing' })
  @OptionalString()
  path?: string;

  @ApiPropertyOptional({ example: 'https://www.google.com/' })
  @OptionalString()
  referrer?: string;

  @ApiPropertyOptional({ example: 'Pricing' })
  @OptionalString()
  title?: string;

  @ApiPropertyOptional({ example: '?plan=pro' })
  @OptionalString()
  search?: string;
}

export class LibraryContext {
  @ApiPropertyOptional({ example: '@segment/analytics-node' })
  @OptionalString()
  name?: string;

  @ApiPropertyOptional({ example: '3.1.0' })
  @OptionalString()
  version?: string;
}

/** UTM parameters, as analytics.js reads them from the landing URL. */
export class CampaignContext {
  @ApiPropertyOptional() @OptionalString() name?: string;
  @ApiPropertyOptional() @OptionalString() source?: string;
  @ApiPropertyOptional() @OptionalString() medium?: string;
  @ApiPropertyOptional() @OptionalString() term?: string;
  @ApiPropertyOptional() @OptionalString() content?: string;
}

/** Sent by mobile SDKs, which often have no user agent. */
export class OsContext {
  @ApiPropertyOptional({ example: 'iOS' }) @OptionalString() name?: string;
  @ApiPropertyOptional({ example: '18.1' }) @OptionalString() version?: string;
}

export class DeviceContext {
  @ApiPropertyOptional({ example: 'ios' }) @OptionalString() type?: string;
  @ApiPropertyOptional({ example: 'Apple' }) @OptionalString() manufacturer?: string;
  @ApiPropertyOptional({ example: 'iPhone16,2' }) @OptionalString() model?: string;
}

const Nested = <T>(type: () => new () => T): PropertyDecorator => {
  return (target, key) => {
    IsOptional()(target, key);
    IsJsonObject()(target, key);
    ValidateNested()(target, key);
    Type(type)(target, key);
  };
};

export class EventContext {
  @ApiPropertyOptional({ type: PageContext })
  @Nested(() => PageContext)
  page?: PageContext;

  @ApiPropertyOptional({ example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) ...' })
  @OptionalString()
  userAgent?: string;

  @ApiPropertyOptional({
    example: '203.0.113.7',
    description: 'Used for the country, then dropped: never stored',
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({ example: 'en-US' })
  @OptionalString()
  locale?: string;

  @ApiPropertyOptional({ type: LibraryContext })
  @Nested(() => LibraryContext)
  library?: LibraryContext;

  @ApiPropertyOptional({ type: CampaignContext })
  @Nested(() => CampaignContext)
  campaign?: CampaignContext;

  @ApiPropertyOptional({ type: OsContext })
  @Nested(() => OsContext)
  os?: OsContext;

  @ApiPropertyOptional({ type: DeviceContext })
  @Nested(() => DeviceContext)
  device?: DeviceContext;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'number' }],
    description:
      'The SDK session, if it keeps one; otherwise ingestion assigns one (30 minutes of inactivity)',
  })
  @IsOptional()
  @IsIdValue()
  sessionId?: string | number;
}

const chainIdRules = (target: object, key: string | symbol): void => {
  IsInt()(target, key);
  Min(1)(target, key);
  Max(Number.MAX_SAFE_INTEGER)(target, key);
};
const addressRules = (target: object, key: string | symbol): void => {
  Matches(ADDRESS_PATTERN, { message: `${String(key)} must be 0x followed by 40 hex digits` })(target, key);
};
const txHashRules = (target: object, key: string | symbol): void => {
  Matches(TX_HASH_PATTERN, { message: `${String(key)} must be 0x followed by 64 hex digits` })(target, key);
};
const required =
  (what: string) =>
  (target: object, key: string | symbol): void => {
    IsDefined({ message: `${String(key)} is required for ${what}` })(target, key);
  };
const optional = (target: object, key: string | symbol): void => IsOptional()(target, key);

/** The Web3 fields any event may carry. */
export class Web3Common {
  @ApiPropertyOptional({ example: '0xdac17f958d2ee523a2206206994597c13d831ec7' })
  @optional
  @addressRules
  contractAddress?: string;

  @ApiPropertyOptional({ example: 'swap' })
  @OptionalString()
  @MaxLength(MAX_NAME_LENGTH)
  method?: string;

  @ApiPropertyOptional({ example: '1000000000000000000', description: 'Base-10 integer of any size (wei)' })
  @IsOptional()
  @Matches(UINT_STRING_PATTERN, { message: 'value must be a base-10 integer string' })
  value?: string;

  @ApiPropertyOptional({ enum: TX_STATUSES })
  @IsOptional()
  @IsIn(TX_STATUSES)
  status?: TxStatus;
}

export class Web3Fields extends Web3Common {
  @ApiPropertyOptional({ example: 1, minimum: 1 })
  @optional
  @chainIdRules
  chainId?: number;

  @ApiPropertyOptional({ example: '0x52908400098527886e0f7030069857d2e4169ee7' })
  @optional
  @addressRules
  walletAddress?: string;

  @ApiPropertyOptional({ example: `0x${'ab'.repeat(32)}` })
  @optional
  @txHashRules
  txHash?: string;
}

/** `transaction` events: the chain, the wallet and the transaction hash are required. */
export class TransactionWeb3 extends Web3Common {
  @required('a transaction')
  @chainIdRules
  chainId!: number;

  @required('a transaction')
  @addressRules
  walletAddress!: string;

  @required('a transaction')
  @txHashRules
  txHash!: string;
}

/** `wallet` events (connect, disconnect, switch): the wallet is required. */
export class WalletWeb3 extends Web3Common {
  @optional
  @chainIdRules
  chainId?: number;

  @required('a wallet event')
  @addressRules
  walletAddress!: string;

  @optional
  @txHashRules
  txHash?: string;
}

function web3ClassFor(type: unknown): new () => Web3Common {
  if (type === 'transaction') return TransactionWeb3;
  if (type === 'wallet') return WalletWeb3;
  return Web3Fields;
}

const hasValue = (value: unknown): boolean => value !== undefined && value !== null;

export class IncomingEvent {
  @ApiProperty({ enum: EVENT_TYPES, description: 'Implied by the route on /v1/track, /v1/page, ...' })
  @IsIn(EVENT_TYPES, { message: `type must be one of ${EVENT_TYPES.join(', ')}` })
  type!: EventType;

  @ApiPropertyOptional({ example: 'Signed Up', description: 'Required for track, transaction and wallet' })
  @ValidateIf((o: IncomingEvent) => NAMED_EVENT_TYPES.includes(o.type) || hasValue(o.event))
  @IsDefined({ message: 'event is required for track, transaction and wallet events' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  event?: string;

  @ApiPropertyOptional({ example: 'Pricing', description: 'The page or screen name (page, screen)' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  name?: string;

  @ApiPropertyOptional({
    example: 'ajs-next-1732269600000-4f1c',
    description: 'Client-generated; the same id twice within 24 hours in a project is stored once',
  })
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: 'messageId must be 1 to 200 printable characters' })
  messageId?: string;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }], example: 'user-42' })
  @ValidateIf((o: IncomingEvent) => !hasValue(o.anonymousId) || hasValue(o.userId))
  @IsIdValue({ message: 'userId or anonymousId is required (a non-empty string or a number)' })
  userId?: string | number;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }], example: 'b1f2c3d4' })
  @IsOptional()
  @IsIdValue()
  anonymousId?: string | number;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'number' }],
    example: 'acme-inc',
    description: 'The group (group events; required there)',
  })
  @ValidateIf((o: IncomingEvent) => o.type === 'group' || hasValue(o.groupId))
  @IsIdValue({ message: `groupId is required for group events (a non-empty string or a number)` })
  groupId?: string | number;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'number' }],
    example: 'b1f2c3d4',
    description: 'The earlier id (alias events; required there)',
  })
  @ValidateIf((o: IncomingEvent) => o.type === 'alias' || hasValue(o.previousId))
  @IsIdValue({ message: `previousId is required for alias events (a non-empty string or a number)` })
  previousId?: string | number;

  @ApiPropertyOptional({
    example: '2026-11-22T10:00:00.000Z',
    description: 'When it happened (client clock)',
  })
  @IsOptional()
  @IsEventTime()
  timestamp?: string;

  @ApiPropertyOptional({
    example: '2026-11-22T10:00:05.000Z',
    description: 'When the client sent it; corrects the client clock: timestamp + (receivedAt − sentAt)',
  })
  @IsOptional()
  @IsEventTime()
  sentAt?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { plan: 'pro' } })
  @IsOptional()
  @IsJsonObject()
  properties?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { email: 'ada@example.com' } })
  @IsOptional()
  @IsJsonObject()
  traits?: Record<string, unknown>;

  @ApiPropertyOptional({ type: EventContext })
  @Nested(() => EventContext)
  context?: EventContext;

  // Documentation only: the key, as browser libraries send it in the body. It authenticates the
  // request (the gateway reads it before intake) and is never stored.
  @ApiPropertyOptional({
    example: 'nsk_live_…',
    description:
      'The API key, for browser libraries that cannot set headers (instead of Authorization); never stored',
  })
  writeKey?: string;

  @ApiPropertyOptional({ type: Web3Fields, description: 'Required for transaction and wallet' })
  @ValidateIf((o: IncomingEvent) => o.type === 'transaction' || o.type === 'wallet' || hasValue(o.web3))
  @IsDefined({ message: 'web3 is required for transaction and wallet events' })
  @IsJsonObject()
  @ValidateNested()
  @Type((options) => web3ClassFor((options?.object as { type?: unknown } | undefined)?.type))
  web3?: Web3Fields;
}

/** `POST /v1/batch`. Each event is validated on its own: invalid ones are rejected by index. */
export class EventBatchRequest {
  @ApiProperty({ type: [IncomingEvent], maxItems: 500 })
  batch!: IncomingEvent[];

  @ApiPropertyOptional({
    example: '2026-11-22T10:00:05.000Z',
    description: 'Applies to events without their own',
  })
  sentAt?: string;
}

export class EventFieldError {
  @ApiProperty({ example: 'web3.txHash' })
  field!: string;

  @ApiProperty({ example: 'txHash must be 0x followed by 64 hex digits' })
  message!: string;
}

export class RejectedEvent {
  @ApiProperty({ description: 'Position of the event in the batch (0 for a single event)' })
  index!: number;

  @ApiProperty({ type: [EventFieldError] })
  errors!: EventFieldError[];
}

/** 202 of the ingestion routes, sent once every accepted event is durably queued. */
export class IngestResponse {
  @ApiProperty({ example: 99 })
  accepted!: number;

  @ApiProperty({ type: [RejectedEvent] })
  rejected!: RejectedEvent[];
}
