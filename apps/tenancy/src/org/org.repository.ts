import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { DomainException } from '@northstar/contracts';
import { slugFamilyPattern } from '../common/slug';
import { Organisation } from './organisation.entity';

/** PostgreSQL access to organisations. The organisation's id is the tenant. */
@Injectable()
export class OrgRepository {
  constructor(private readonly em: EntityManager) {}

  findById(orgId: string): Promise<Organisation | null> {
    return this.em.findOne(Organisation, { id: orgId });
  }

  findByIds(orgIds: string[]): Promise<Organisation[]> {
    return orgIds.length === 0 ? Promise.resolve([]) : this.em.find(Organisation, { id: { $in: orgIds } });
  }

  /**
   * Reads the organisation and locks its row until the transaction ends. Every change to the
   * organisation's memberships, invitations or settings takes this lock first, so such changes are
   * serialised per organisation and each sees the others' results (the last-owner rule relies on it).
   */
  lockForUpdate(orgId: string): Promise<Organisation | null> {
    return this.em.findOne(
      Organisation,
      { id: orgId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
  }

  /** A shared lock: changes to the organisation's projects run side by side, but not during a role change or deletion. */
  lockForShare(orgId: string): Promise<Organisation | null> {
    return this.em.findOne(
      Organisation,
      { id: orgId },
      { lockMode: LockMode.PESSIMISTIC_READ, refresh: true },
    );
  }

  /** The slugs `base` and `base-<n>` that are taken. */
  async slugsLike(base: string): Promise<string[]> {
    const rows = await this.em.find(
      Organisation,
      { slug: { $re: slugFamilyPattern(base) } },
      { fields: ['slug'] },
    );
    return rows.map((org) => org.slug);
  }

  /** Inserts or updates; a taken slug is a conflict. */
  async save(org: Organisation): Promise<Organisation> {
    try {
      await this.em.persist(org).flush();
      return org;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw DomainException.conflict(`The organisation slug "${org.slug}" is taken`);
      }
      throw error;
    }
  }

  /** Deletes the organisation; its memberships, invitations and projects go with it (foreign keys cascade). */
  async delete(orgId: string): Promise<void> {
    await this.em.nativeDelete(Organisation, { id: orgId });
  }
}
