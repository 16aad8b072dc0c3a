import { Module, type DynamicModule } from '@nestjs/common';
import { PostgresModule } from '@northstar/persistence';
import { RedisModule } from '@northstar/redis';
import { ChainCache } from './chain/chain.cache';
import { ChainAuditEntry } from './chain/chain-audit.entity';
import { Chain } from './chain/chain.entity';
import { ChainHandler } from './chain/chain.handler';
import { ChainRepository } from './chain/chain.repository';
import { ChainService } from './chain/chain.service';
import { ChainsConfig } from './config';
import { chainsMigrations } from './migrations';

export const CHAINS_SCHEMA = 'chains';
export const chainsEntities = [Chain, ChainAuditEntry];

@Module({})
export class ChainsModule {
  static forConfig(config: ChainsConfig): DynamicModule {
    return {
      module: ChainsModule,
      imports: [
        PostgresModule.forService({
          url: config.DATABASE_URL,
          schema: CHAINS_SCHEMA,
          entities: chainsEntities,
          migrations: chainsMigrations,
        }),
        RedisModule.forRoot({ url: config.REDIS_URL, name: 'chains' }),
      ],
      controllers: [ChainHandler],
      providers: [{ provide: ChainsConfig, useValue: config }, ChainRepository, ChainCache, ChainService],
    };
  }
}
