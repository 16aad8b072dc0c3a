import { Injectable } from '@nestjs/common';
import {
  KeysSubjects,
  TenancySubjects,
  type Actor,
  type OrgPlanDto,
  type OrgPlanStateDto,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { EventQuota } from '../quota/event-quota';

/**
 * An organisation's plan with its usage, as GET and PUT /v1/orgs/:orgId/plan answer it: each count
 * comes from the service that owns what is counted. Tenancy answers first: it decides who may ask
 * (a viewer to read, a platform admin to change), and keys checks the actor again for its count.
 */
@Injectable()
export class OrgPlans {
  constructor(
    private readonly bus: BusClient,
    private readonly quota: EventQuota,
  ) {}

  async get(actor: Actor, orgId: string): Promise<OrgPlanDto> {
    return this.withUsage(actor, orgId, await this.bus.send(TenancySubjects.getOrgPlan, { actor, orgId }));
  }

  async change(actor: Actor, orgId: string, planId: string): Promise<OrgPlanDto> {
    const state = await this.bus.send(TenancySubjects.setOrgPlan, { actor, orgId, planId });
    return this.withUsage(actor, orgId, state);
  }

  private async withUsage(actor: Actor, orgId: string, state: OrgPlanStateDto): Promise<OrgPlanDto> {
    const [keys, events] = await Promise.all([
      this.bus.send(KeysSubjects.countOrgKeys, { actor, orgId }),
      this.quota.usedThisPeriod(orgId),
    ]);
    return {
      plan: state.plan,
      period: state.period,
      usage: { events, projects: state.usage.projects, members: state.usage.members, keys: keys.active },
    };
  }
}
