import { Injectable } from '@nestjs/common';
import { Transactions } from '@northstar/persistence';
import {
  DomainException,
  TenancySubjects,
  type Actor,
  type ListMembersRequest,
  type MemberListResponse,
  type MembershipDto,
  type OrgRole,
  pageLimit,
  toPage,
} from '@northstar/contracts';
import { AccessChanges } from '../access/access-changes';
import { Memberships } from '../access/memberships';
import { positionCursor } from '../common/page';
import { OrgRepository } from '../org/org.repository';
import { assertCan } from '../policy/policy';
import { toMemberDto, toMembershipDto } from './member.mapper';
import type { Membership } from './membership.entity';
import { MembershipRepository } from './membership.repository';
import { UserDirectory } from './user-directory';

// Members, by join time and then user id.
const membersCursor = positionCursor(TenancySubjects.listMembers);

const LAST_OWNER = 'An organisation must keep at least one owner: make another member owner first';

/**
 * Members and their roles. Changes run with the organisation's row locked (see
 * OrgRepository.lockForUpdate), so the rule "an organisation always keeps an owner" holds even when
 * two owners demote or remove each other at the same moment: the second change sees the first.
 */
@Injectable()
export class MemberService {
  constructor(
    private readonly memberships: MembershipRepository,
    private readonly access: Memberships,
    private readonly orgs: OrgRepository,
    private readonly users: UserDirectory,
    private readonly changes: AccessChanges,
    private readonly transactions: Transactions,
  ) {}

  async list(actor: Actor, query: ListMembersRequest): Promise<MemberListResponse> {
    await this.access.require(actor, query.orgId, 'members:read');
    const limit = pageLimit(query.limit);
    const rows = await this.memberships.listOfOrg(
      query.orgId,
      membersCursor.decodeOptional(query.cursor),
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const users = await this.users.byIds(page.map((row) => row.userId));
    return toPage(
      rows,
      limit,
      membersCursor,
      (row) => ({ at: row.joinedAt, id: row.userId }),
      (row) => toMemberDto(row, users.get(row.userId)),
    );
  }

  async changeRole(actor: Actor, orgId: string, userId: string, role: OrgRole): Promise<MembershipDto> {
    const changed = await this.transactions.run(async () => {
      await this.lockOrg(orgId);
      const own = await this.access.require(actor, orgId, 'members:manage');
      const target = await this.target(orgId, userId);
      if (target.role === 'owner' || role === 'owner') assertCan(own.role, 'owners:manage');
      if (target.role === role) return { membership: target, changed: false };
      if (target.role === 'owner') await this.assertAnotherOwner(orgId);
      target.role = role;
      await this.memberships.save(target);
      return { membership: target, changed: true };
    });
    if (changed.changed) await this.changes.memberChanged(orgId, userId);
    return toMembershipDto(changed.membership);
  }

  /** Removes a member: an admin removes others (an owner only if the actor is one), anyone may leave. */
  async remove(actor: Actor, orgId: string, userId: string): Promise<void> {
    await this.transactions.run(async () => {
      await this.lockOrg(orgId);
      const leaving = userId === actor.userId;
      const own = await this.access.require(actor, orgId, leaving ? undefined : 'members:manage');
      const target = leaving ? own : await this.target(orgId, userId);
      if (target.role === 'owner') {
        if (!leaving) assertCan(own.role, 'owners:manage');
        await this.assertAnotherOwner(orgId);
      }
      await this.memberships.remove(target);
    });
    await this.changes.memberChanged(orgId, userId);
  }

  private async lockOrg(orgId: string): Promise<void> {
    if (!(await this.orgs.lockForUpdate(orgId))) throw DomainException.notFound('Organisation');
  }

  private async target(orgId: string, userId: string): Promise<Membership> {
    const membership = await this.memberships.find(orgId, userId);
    if (!membership) throw DomainException.notFound('Member');
    return membership;
  }

  private async assertAnotherOwner(orgId: string): Promise<void> {
    if ((await this.memberships.countOwners(orgId)) <= 1) throw DomainException.conflict(LAST_OWNER);
  }
}
