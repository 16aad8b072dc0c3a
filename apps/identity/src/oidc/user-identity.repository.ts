import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { DomainException } from '@northstar/contracts';
import { User } from '../users/user.entity';
import { UserIdentity } from './user-identity.entity';

/** PostgreSQL access to the provider identities of users. */
@Injectable()
export class UserIdentityRepository {
  constructor(private readonly em: EntityManager) {}

  findBySubject(issuer: string, subject: string): Promise<UserIdentity | null> {
    return this.em.findOne(UserIdentity, { issuer, subject });
  }

  listOfUser(userId: string): Promise<UserIdentity[]> {
    return this.em.find(UserIdentity, { userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /**
   * Locks the user's row for the transaction: unlinks of one user then run one after the other, so
   * two of them cannot each see another way in and together remove the last.
   */
  lockUser(userId: string): Promise<User | null> {
    return this.em.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /** Conflict when a concurrent first sign-in of the same provider account linked it a moment ago. */
  async insert(identity: UserIdentity): Promise<void> {
    try {
      await this.em.persistAndFlush(identity);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw DomainException.conflict(
          'This sign-in was completed by another request at the same time: sign in again',
        );
      }
      throw error;
    }
  }

  async save(): Promise<void> {
    await this.em.flush();
  }

  async remove(identity: UserIdentity): Promise<void> {
    await this.em.removeAndFlush(identity);
  }
}
