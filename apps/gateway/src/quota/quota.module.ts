import { Global, Module, type DynamicModule } from '@nestjs/common';
import { GatewayConfig } from '../config';
import { EventQuota, QuotaClock } from './event-quota';
import { PlanAllowances } from './plan-allowances';
import { PlanChangeListener } from './plan-change.listener';
import { QuotaNotices } from './quota-notices';

/**
 * The organisations' monthly event quotas: applied by the ingestion routes, read by the plan routes.
 * Global and made once, so that one EventQuota counts for the whole gateway.
 */
@Global()
@Module({})
export class QuotaModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: QuotaModule,
      providers: [
        { provide: GatewayConfig, useValue: config },
        PlanAllowances,
        PlanChangeListener,
        QuotaNotices,
        QuotaClock,
        EventQuota,
      ],
      exports: [EventQuota],
    };
  }
}
