import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { DomainException, type Actor, type Permission } from '@northstar/contracts';
import { Membership } from '../member/membership.entity';
import { Organisation } from '../org/organisation.entity';
import { meetsMfaRules, mfaRequired, type MfaRules } from './mfa-required';
import { MembershipRepository } from '../member/membership.repository';
import { assertCan } from '../policy/policy';

/**
 * The first step of every tenancy handler: the actor's membership of the organisation. A non-member
 * learns nothing (not_found, as if the organisation did not exist); a member whose role lacks the
 * permission is refused (forbidden), and so is a member without two-factor sign-in when the
 * organisation requires it (forbidden, `mfa-required`). The actor's platform role plays no part.
 */
@Injectable()
export class Memberships {
  constructor(
    private readonly memberships: MembershipRepository,
    private readonly em: EntityManager,
  ) {}

  /** `what` names the object asked about in the not_found answer (a project of the organisation, say). */
  async require(
    actor: Actor,
    orgId: string,
    permission?: Permission,
    what = 'Organisation',
  ): Promise<Membership> {
    const membership = await this.memberships.find(orgId, actor.userId);
    if (!membership) throw DomainException.notFound(what);
    // Without a permission the member only leaves: that needs no second factor.
    if (permission && actor.mfa !== true && !meetsMfaRules(actor, await this.rulesOf(orgId))) {
      throw mfaRequired();
    }
    if (permission) assertCan(membership.role, permission);
    return membership;
  }

  // Read only for actors without two factors: the others pay nothing for the rule.
  private async rulesOf(orgId: string): Promise<MfaRules> {
    const org = await this.em.findOne(
      Organisation,
      { id: orgId },
      { fields: ['requireMfa', 'trustedMfaProviders'] },
    );
    return {
      requireMfa: org?.requireMfa === true,
      trustedMfaProviders: org?.trustedMfaProviders ?? [],
    };
  }
}
