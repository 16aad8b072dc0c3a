import { Module, type DynamicModule } from '@nestjs/common';
import { GatewayConfig } from '../config';
import { EventQuota } from './event-quota';
import { OrgPlans } from './org-plans';
import { QuotaNotices } from './quota-notices';

/** The organisations' monthly event quotas, applied by the ingestion routes. */
@Module({})
export class QuotaModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: QuotaModule,
      providers: [{ provide: GatewayConfig, useValue: config }, OrgPlans, QuotaNotices, EventQuota],
      exports: [EventQuota],
    };
  }
}
