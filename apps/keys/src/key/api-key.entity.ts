import { ArrayType, BigIntType, Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { CreditRefillInterval, KeyScope } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

/** An API key of a project. Its secrets (the current one, and one in its rotation grace) are KeySecrets. */
@Entity({ tableName: 'api_keys' })
export class ApiKey {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid' })
  projectId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** The first characters of the current secret, for people to recognise the key. */
  @Property({ type: 'string', length: 12 })
  prefix!: string;

  @Property({ type: ArrayType })
  scopes!: KeyScope[];

  @Property({ type: 'datetime', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'integer', nullable: true })
  rateLimit: number | null = null;

  @Property({ type: 'integer', nullable: true })
  rateLimitWindowSeconds: number | null = null;

  /** Origins (`https://*.example.com` for subdomains) the key may be used from; []: any. */
  @Property({ type: ArrayType })
  allowedOrigins: string[] & Opt = [];

  /** Client addresses and CIDR ranges the key may be used from; []: any. */
  @Property({ type: ArrayType })
  allowedIps: string[] & Opt = [];

  /** Chain slugs the key may name; []: any. */
  @Property({ type: ArrayType })
  allowedChains: string[] & Opt = [];

  /**
   * The EIP-155 ids of `allowedChains`, resolved from the catalog when the list is set, so that the
   * gateway checks events' `web3.chainId` without asking the catalog per request.
   */
  @Property({ type: new ArrayType((value) => Number(value)), columnType: 'integer[]' })
  allowedChainIds: number[] & Opt = [];

  /**
   * Credits verifications spend; null: unlimited. Written back from the gateways' Redis counters in
   * bulk (UsageRepository), so this lags the exact count by a usage flush at most.
   */
  @Property({ type: new BigIntType('number'), nullable: true })
  creditsRemaining: number | null = null;

  @Property({ type: 'string', length: 8, nullable: true })
  creditsRefillInterval: CreditRefillInterval | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  creditsRefillAmount: number | null = null;

  /** Grows with every change of the credits: the gateways reseed their counter from a newer one. */
  @Property({ type: 'integer' })
  creditsGeneration: number & Opt = 0;

  /** The refill period creditsRemaining belongs to (creditPeriodOf). */
  @Property({ type: 'integer' })
  creditsPeriod: number & Opt = 0;

  @Property({ type: 'uuid' })
  createdBy!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  /** Written in batches from the gateways' usage reports, never by the ORM's change tracking. */
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;

  /** Grows with every change: orders cached verification records, and locks concurrent edits. */
  @Property({ type: 'integer', version: true })
  version: number & Opt = 1;
}
