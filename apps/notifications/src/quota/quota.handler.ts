import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import { QuotaSubjects, QuotaWarningRequest, type QuotaWarningResponse } from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { QuotaWarningsService } from './quota-warnings.service';

@Controller()
export class QuotaHandler {
  constructor(
    private readonly warnings: QuotaWarningsService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  /** From the gateways (no actor: the bus permissions let only the gateway send it). */
  @BusHandler(QuotaSubjects.warn)
  @CreateRequestContext()
  warn(@Payload() request: QuotaWarningRequest): Promise<QuotaWarningResponse> {
    return this.warnings.warn(request);
  }
}
