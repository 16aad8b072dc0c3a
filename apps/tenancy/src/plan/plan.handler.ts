import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  ListPlansRequest,
  OrgPlanLimitsRequest,
  OrgRequest,
  SetOrgPlanRequest,
  TenancySubjects,
  type OrgPlanLimitsDto,
  type OrgPlanStateDto,
  type PlanDto,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { PlanService } from './plan.service';

@Controller()
export class PlanHandler {
  constructor(
    private readonly plans: PlanService,
    readonly orm: MikroORM,
  ) {}

  @BusHandler(TenancySubjects.listPlans)
  @CreateRequestContext()
  list(@Payload() _request: ListPlansRequest): Promise<PlanDto[]> {
    return this.plans.list();
  }

  @BusHandler(TenancySubjects.getOrgPlan)
  @CreateRequestContext()
  get(@Payload() request: OrgRequest): Promise<OrgPlanStateDto> {
    return this.plans.ofOrg(request.actor, request.orgId);
  }

  @BusHandler(TenancySubjects.setOrgPlan)
  @CreateRequestContext()
  set(@Payload() request: SetOrgPlanRequest): Promise<OrgPlanStateDto> {
    return this.plans.change(request.actor, request.orgId, request.planId);
  }

  @BusHandler(TenancySubjects.orgPlanLimits)
  @CreateRequestContext()
  limits(@Payload() request: OrgPlanLimitsRequest): Promise<OrgPlanLimitsDto> {
    return this.plans.limitsOf(request.orgId);
  }
}
