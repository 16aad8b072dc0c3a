import { Injectable } from '@nestjs/common';
import { Outbox, OutboxRepository, Transactions } from '@northstar/persistence';
import {
  DomainException,
  planPeriodOf,
  TenancyBroadcasts,
  TenancyEvents,
  type Actor,
  type OrgPlanLimitsDto,
  type OrgPlanStateDto,
  type PlanDto,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { Memberships } from '../access/memberships';
import { MembershipRepository } from '../member/membership.repository';
import { OrgRepository } from '../org/org.repository';
import type { Organisation } from '../org/organisation.entity';
import { ProjectRepository } from '../project/project.repository';
import type { Plan } from './plan.entity';
import { toPlanDto, toPlanLimitsDto } from './plan.mapper';
import { PlanRepository } from './plan.repository';

const unknownPlan = (planId: string) =>
  DomainException.invalid(
    [{ field: 'planId', message: `planId names no plan: ${planId} (see GET /v1/plans)` }],
    `There is no plan "${planId}"`,
  );

/**
 * Plans and the organisations on them: anyone lists the plans, members read their organisation's,
 * platform admins move an organisation to another plan, and services read an organisation's limits.
 */
@Injectable()
export class PlanService {
  constructor(
    private readonly plans: PlanRepository,
    private readonly orgs: OrgRepository,
    private readonly access: Memberships,
    private readonly projects: ProjectRepository,
    private readonly memberships: MembershipRepository,
    private readonly outbox: OutboxRepository,
    private readonly publisher: Outbox,
    private readonly transactions: Transactions,
    private readonly bus: BusClient,
  ) {}

  async list(): Promise<PlanDto[]> {
    return (await this.plans.list()).map(toPlanDto);
  }

  async ofOrg(actor: Actor, orgId: string): Promise<OrgPlanStateDto> {
    await this.access.require(actor, orgId, 'org:read');
    const org = await this.orgs.findById(orgId);
    if (!org) throw DomainException.notFound('Organisation');
    return this.stateOf(org, await this.plans.ofOrg(org));
  }

  /**
   * Platform admins only: a tenant power no organisation role grants (an owner cannot upgrade itself).
   * Moving to a smaller plan deletes nothing; what is over its limits stays, and new ones are refused.
   */
  async change(actor: Actor, orgId: string, planId: string): Promise<OrgPlanStateDto> {
    if (actor.role !== 'admin') {
      throw DomainException.forbidden("Only platform admins can change an organisation's plan");
    }
    const { org, plan, messageId } = await this.transactions.run(async () => {
      const locked = await this.orgs.lockForUpdate(orgId);
      if (!locked) throw DomainException.notFound('Organisation');
      const next = await this.plans.find(planId);
      if (!next) throw unknownPlan(planId);
      if (locked.planId === next.id) return { org: locked, plan: next, messageId: null };
      const message = this.outbox.add(TenancyEvents.orgPlanChanged, {
        orgId,
        planId: next.id,
        previousPlanId: locked.planId,
        changedAt: new Date().toISOString(),
      });
      locked.planId = next.id;
      await this.orgs.save(locked);
      await this.outbox.flush();
      return { org: locked, plan: next, messageId: message.id };
    });
    if (messageId !== null) {
      // Replicas' memories first (best effort, core NATS), then the durable event (the outbox's relay
      // retries it if this publish fails).
      this.bus.emit(TenancyBroadcasts.planChanged, { orgId, planId: plan.id });
      await this.publisher.publishNow([messageId]);
    }
    return this.stateOf(org, plan);
  }

  /** For services: configuration, so no actor; nothing about the organisation but its plan. */
  async limitsOf(orgId: string): Promise<OrgPlanLimitsDto> {
    const org = await this.orgs.findById(orgId);
    if (!org) throw DomainException.notFound('Organisation');
    return { orgId, plan: toPlanLimitsDto(await this.plans.ofOrg(org)) };
  }

  private async stateOf(org: Organisation, plan: Plan): Promise<OrgPlanStateDto> {
    const projects = await this.projects.countOfOrg(org.id);
    const members = await this.memberships.countOfOrg(org.id);
    return { plan: toPlanDto(plan), period: planPeriodOf(new Date()), usage: { projects, members } };
  }
}
