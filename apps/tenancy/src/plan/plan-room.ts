import { Injectable } from '@nestjs/common';
import { planLimitReached } from '@northstar/contracts';
import { InvitationRepository } from '../invitation/invitation.repository';
import { MembershipRepository } from '../member/membership.repository';
import type { Organisation } from '../org/organisation.entity';
import { ProjectRepository } from '../project/project.repository';
import { PlanRepository } from './plan.repository';

/**
 * Whether the organisation's plan leaves room for one more project or member. Called inside the
 * transaction that adds it, after the organisation's row is locked exclusively, so that two
 * concurrent additions cannot both take the last place. A plan lowered below what an organisation
 * already has takes nothing away: it only refuses new ones.
 */
@Injectable()
export class PlanRoom {
  constructor(
    private readonly plans: PlanRepository,
    private readonly projects: ProjectRepository,
    private readonly memberships: MembershipRepository,
    private readonly invitations: InvitationRepository,
  ) {}

  async forProject(org: Organisation): Promise<void> {
    const plan = await this.plans.ofOrg(org);
    if ((await this.projects.countOfOrg(org.id)) >= plan.maxProjects) {
      throw planLimitReached(plan, 'maxProjects', plan.maxProjects);
    }
  }

  /**
   * Room for one more member. Inviting counts the pending invitations too (each may become a member);
   * accepting one does not, since the invitation accepted is among them.
   */
  async forMember(org: Organisation, when: 'inviting' | 'joining'): Promise<void> {
    const plan = await this.plans.ofOrg(org);
    const members = await this.memberships.countOfOrg(org.id);
    const pending = when === 'inviting' ? await this.invitations.countPending(org.id, new Date()) : 0;
    if (members + pending >= plan.maxMembers) throw planLimitReached(plan, 'maxMembers', plan.maxMembers);
  }
}
