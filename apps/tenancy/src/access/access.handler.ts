import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import { CheckAccessRequest, TenancySubjects, type AccessGrant } from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { AccessService } from './access.service';

@Controller()
export class AccessHandler {
  constructor(
    private readonly access: AccessService,
    readonly orm: MikroORM,
  ) {}

  @BusHandler(TenancySubjects.checkAccess)
  @CreateRequestContext()
  check(@Payload() request: CheckAccessRequest): Promise<AccessGrant> {
    return this.access.check(request);
  }
}
