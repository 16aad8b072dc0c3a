import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  DomainException,
  OrgOwnersRequest,
  ProjectRetentionRequest,
  TenancySubjects,
  type OrgOwnersDto,
  type ProjectRetentionResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { ServiceLookupsRepository } from './service-lookups.repository';

/**
 * Answers for other services acting for the platform (no actor): notifications telling an
 * organisation's owners about its quota, ingestion deleting events past their plan's retention. The
 * bus permissions let only those services ask.
 */
@Controller()
export class ServiceLookupsHandler {
  constructor(
    private readonly lookups: ServiceLookupsRepository,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(TenancySubjects.orgOwners)
  @CreateRequestContext()
  async owners(@Payload() request: OrgOwnersRequest): Promise<OrgOwnersDto> {
    const found = await this.lookups.owners(request.orgId);
    if (!found) throw DomainException.notFound('Organisation');
    return { orgId: request.orgId, ...found };
  }

  @BusHandler(TenancySubjects.projectRetention)
  @CreateRequestContext()
  async retention(@Payload() request: ProjectRetentionRequest): Promise<ProjectRetentionResponse> {
    return { items: await this.lookups.retention([...new Set(request.projectIds)]) };
  }
}
