import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode, type FilterQuery } from '@mikro-orm/postgresql';
import type { PagePosition } from '../common/page';
import { Invitation } from './invitation.entity';

/** PostgreSQL access to invitations. */
@Injectable()
export class InvitationRepository {
  constructor(private readonly em: EntityManager) {}

  /** The token is the credential here: whoever holds it learns which organisation it is for. */
  findByTokenHash(tokenHash: string): Promise<Invitation | null> {
    return this.em.findOne(Invitation, { tokenHash });
  }

  /** Locks the invitation until the transaction ends, so it is accepted at most once. */
  lock(orgId: string, invitationId: string): Promise<Invitation | null> {
    return this.em.findOne(
      Invitation,
      { orgId, id: invitationId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
  }

  /** Invitations not accepted yet and still valid at `now`, oldest first. */
  listPending(orgId: string, now: Date, position: PagePosition | null, limit: number): Promise<Invitation[]> {
    const after: FilterQuery<Invitation> = position
      ? { $or: [{ createdAt: { $gt: position.at } }, { createdAt: position.at, id: { $gt: position.id } }] }
      : {};
    return this.em.find(
      Invitation,
      { orgId, acceptedAt: null, expiresAt: { $gt: now }, ...after },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit },
    );
  }

  /** How many invitations are neither accepted nor expired at `now`. */
  countPending(orgId: string, now: Date): Promise<number> {
    return this.em.count(Invitation, { orgId, acceptedAt: null, expiresAt: { $gt: now } });
  }

  /** Withdraws the open invitation of this address, if any: its token stops working. */
  async withdrawOpen(orgId: string, email: string): Promise<void> {
    await this.em.nativeDelete(Invitation, { orgId, email, acceptedAt: null });
  }

  /** Deletes a pending invitation of the organisation; whether there was one. */
  async withdraw(orgId: string, invitationId: string): Promise<boolean> {
    return (await this.em.nativeDelete(Invitation, { orgId, id: invitationId, acceptedAt: null })) > 0;
  }

  async save(invitation: Invitation): Promise<Invitation> {
    await this.em.persist(invitation).flush();
    return invitation;
  }
}
