import { Module, type DynamicModule } from '@nestjs/common';
import { QuotaNoticeRepository } from './quota-notice.repository';
import { QuotaHandler } from './quota.handler';
import { QuotaWarningsService } from './quota-warnings.service';

/** The organisations' event quota warnings, as in-app notifications (the gateways measure the quota). */
@Module({})
export class QuotaModule {
  static forDelivery(delivery: DynamicModule): DynamicModule {
    return {
      module: QuotaModule,
      imports: [delivery],
      controllers: [QuotaHandler],
      providers: [QuotaNoticeRepository, QuotaWarningsService],
    };
  }
}
