import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  CreateOrgRequest,
  ListOrgsRequest,
  OrgRequest,
  TenancySubjects,
  UpdateOrgRequest,
  type DeletedResponse,
  type OrgDto,
  type OrgListResponse,
  type OrgWithRoleDto,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { OrgService } from './org.service';

@Controller()
export class OrgHandler {
  constructor(
    private readonly orgs: OrgService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(TenancySubjects.createOrg)
  @CreateRequestContext()
  create(@Payload() request: CreateOrgRequest): Promise<OrgDto> {
    return this.orgs.create(request.actor, { name: request.name, slug: request.slug });
  }

  @BusHandler(TenancySubjects.listOrgs)
  @CreateRequestContext()
  list(@Payload() request: ListOrgsRequest): Promise<OrgListResponse> {
    return this.orgs.list(request.actor, request);
  }

  @BusHandler(TenancySubjects.getOrg)
  @CreateRequestContext()
  get(@Payload() request: OrgRequest): Promise<OrgWithRoleDto> {
    return this.orgs.get(request.actor, request.orgId);
  }

  @BusHandler(TenancySubjects.updateOrg)
  @CreateRequestContext()
  update(@Payload() request: UpdateOrgRequest): Promise<OrgWithRoleDto> {
    const { actor, orgId, name, slug, requireMfa, trustedMfaProviders } = request;
    return this.orgs.update(actor, orgId, { name, slug, requireMfa, trustedMfaProviders });
  }

  @BusHandler(TenancySubjects.deleteOrg)
  @CreateRequestContext()
  async delete(@Payload() request: OrgRequest): Promise<DeletedResponse> {
    await this.orgs.delete(request.actor, request.orgId);
    return { deleted: true };
  }
}
