import { Injectable } from '@nestjs/common';
import { EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import type { PagePosition } from '../common/page';
import { Membership } from './membership.entity';

/** PostgreSQL access to memberships; every query names the organisation or the user it is about. */
@Injectable()
export class MembershipRepository {
  constructor(private readonly em: EntityManager) {}

  find(orgId: string, userId: string): Promise<Membership | null> {
    return this.em.findOne(Membership, { orgId, userId }, { refresh: true });
  }

  /** The organisation's members, oldest first, `limit` of them after `position`. */
  listOfOrg(orgId: string, position: PagePosition | null, limit: number): Promise<Membership[]> {
    const after: FilterQuery<Membership> = position
      ? { $or: [{ joinedAt: { $gt: position.at } }, { joinedAt: position.at, userId: { $gt: position.id } }] }
      : {};
    return this.em.find(
      Membership,
      { orgId, ...after },
      { orderBy: { joinedAt: 'asc', userId: 'asc' }, limit },
    );
  }

  /** The user's memberships, oldest first, `limit` of them after `position`. */
  listOfUser(userId: string, position: PagePosition | null, limit: number): Promise<Membership[]> {
    const after: FilterQuery<Membership> = position
      ? { $or: [{ joinedAt: { $gt: position.at } }, { joinedAt: position.at, orgId: { $gt: position.id } }] }
      : {};
    return this.em.find(
      Membership,
      { userId, ...after },
      { orderBy: { joinedAt: 'asc', orgId: 'asc' }, limit },
    );
  }

  countOfOrg(orgId: string): Promise<number> {
    return this.em.count(Membership, { orgId });
  }

  countOwners(orgId: string): Promise<number> {
    return this.em.count(Membership, { orgId, role: 'owner' });
  }

  async save(membership: Membership): Promise<Membership> {
    await this.em.persist(membership).flush();
    return membership;
  }

  async remove(membership: Membership): Promise<void> {
    await this.em.remove(membership).flush();
  }
}
