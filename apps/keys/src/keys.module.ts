import { Module, type DynamicModule } from '@nestjs/common';
import { TenantAccess } from '@northstar/messaging';
import { PostgresModule, Transactions } from '@northstar/persistence';
import { RedisModule } from '@northstar/redis';
import { KeysConfig } from './config';
import { ApiKey } from './key/api-key.entity';
import { ChainChangedListener } from './key/chain-changed.listener';
import { KeyAccess } from './key/key-access';
import { KeyChanges } from './key/key-changes';
import { KeySecret } from './key/key-secret.entity';
import { KeyHandler } from './key/key.handler';
import { KeyRepository } from './key/key.repository';
import { KeyService } from './key/key.service';
import { ProjectDeletedListener } from './key/project-deleted.listener';
import { keysMigrations } from './migrations';
import { UsageHandler } from './usage/usage.handler';
import { UsageRepository } from './usage/usage.repository';
import { UsageService } from './usage/usage.service';
import { CreditCounters } from './verification/credit-counters';
import { VerificationCache } from './verification/verification.cache';
import { VerificationService } from './verification/verification.service';

export const KEYS_SCHEMA = 'keys';
export const keysEntities = [ApiKey, KeySecret];

/** The keys service: API keys of projects, their verification for the gateways, and their usage. */
@Module({})
export class KeysModule {
  static forConfig(config: KeysConfig): DynamicModule {
    return {
      module: KeysModule,
      imports: [
        PostgresModule.forService({
          url: config.DATABASE_URL,
          schema: KEYS_SCHEMA,
          entities: keysEntities,
          migrations: keysMigrations,
        }),
        RedisModule.forRoot({ url: config.REDIS_URL, name: 'keys' }),
      ],
      controllers: [KeyHandler, UsageHandler, ChainChangedListener],
      providers: [
        { provide: KeysConfig, useValue: config },
        KeyRepository,
        Transactions,
        TenantAccess,
        KeyAccess,
        KeyChanges,
        KeyService,
        ProjectDeletedListener,
        VerificationCache,
        VerificationService,
        CreditCounters,
        UsageRepository,
        UsageService,
      ],
    };
  }
}
