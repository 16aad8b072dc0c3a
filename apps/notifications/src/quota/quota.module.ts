import { Module, type DynamicModule } from '@nestjs/common';
import { QuotaNoticeRepository } from './quota-notice.repository';
import { QuotaOwners } from './quota-owners';
import { QuotaHandler } from './quota.handler';
import { QuotaWarningsService } from './quota-warnings.service';

/**
 * The organisations' event quota warnings (the gateways measure the quota): an in-app notification and
 * an email to each owner. Takes the service's one delivery and email modules (a second instance would
 * start second workers).
 */
@Module({})
export class QuotaModule {
  static forModules(delivery: DynamicModule, email: DynamicModule): DynamicModule {
    return {
      module: QuotaModule,
      imports: [delivery, email],
      controllers: [QuotaHandler],
      providers: [QuotaNoticeRepository, QuotaOwners, QuotaWarningsService],
    };
  }
}
