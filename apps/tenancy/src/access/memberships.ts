import { Injectable } from '@nestjs/common';
import { DomainException, type Actor, type Permission } from '@northstar/contracts';
import { Membership } from '../member/membership.entity';
import { MembershipRepository } from '../member/membership.repository';
import { assertCan } from '../policy/policy';

/**
 * The first step of every tenancy handler: the actor's membership of the organisation. A non-member
 * learns nothing (not_found, as if the organisation did not exist); a member whose role lacks the
 * permission is refused (forbidden). The actor's platform role plays no part.
 */
@Injectable()
export class Memberships {
  constructor(private readonly memberships: MembershipRepository) {}

  /** `what` names the object asked about in the not_found answer (a project of the organisation, say). */
  async require(
    actor: Actor,
    orgId: string,
    permission?: Permission,
    what = 'Organisation',
  ): Promise<Membership> {
    const membership = await this.memberships.find(orgId, actor.userId);
    if (!membership) throw DomainException.notFound(what);
    if (permission) assertCan(membership.role, permission);
    return membership;
  }
}
