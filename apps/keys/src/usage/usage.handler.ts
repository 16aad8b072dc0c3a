import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  KeysSubjects,
  QueryKeyUsageRequest,
  QueryOrgUsageRequest,
  RecordUsageRequest,
  type QueryKeyUsageResponse,
  type QueryOrgUsageResponse,
  type RecordUsageResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { UsageService } from './usage.service';

@Controller()
export class UsageHandler {
  constructor(
    private readonly usage: UsageService,
    readonly orm: MikroORM,
  ) {}

  @BusHandler(KeysSubjects.recordUsage)
  @CreateRequestContext()
  record(@Payload() request: RecordUsageRequest): Promise<RecordUsageResponse> {
    return this.usage.record(request);
  }

  @BusHandler(KeysSubjects.queryUsage)
  @CreateRequestContext()
  queryKey(@Payload() request: QueryKeyUsageRequest): Promise<QueryKeyUsageResponse> {
    return this.usage.queryKey(request);
  }

  @BusHandler(KeysSubjects.queryOrgUsage)
  @CreateRequestContext()
  queryOrg(@Payload() request: QueryOrgUsageRequest): Promise<QueryOrgUsageResponse> {
    return this.usage.queryOrg(request);
  }
}
