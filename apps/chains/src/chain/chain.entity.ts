import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { ChainStatus, Ecosystem } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

@Entity({ tableName: 'chains' })
export class Chain {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'string', length: 48, unique: true })
  slug!: string;

  @Property({ type: 'integer', nullable: true })
  chainId: number | null = null;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 16 })
  ecosystem!: Ecosystem;

  @Property({ type: 'boolean' })
  testnet!: boolean;

  @Property({ type: 'string', length: 16 })
  nativeSymbol!: string;

  @Property({ type: 'smallint' })
  nativeDecimals!: number;

  @Property({ type: 'string', length: 255 })
  explorerUrl!: string;

  @Property({ type: 'string', length: 16 })
  status: ChainStatus & Opt = 'active';

  @Property({ type: 'string', length: 255 })
  rpcHttpTemplate!: string;

  @Property({ type: 'string', length: 255 })
  rpcWsTemplate!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
