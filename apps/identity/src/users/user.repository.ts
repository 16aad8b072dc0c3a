import { Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { DomainException } from '@northstar/contracts';
import { User } from './user.entity';

/** PostgreSQL access to users. A user is its own tenant: every lookup names the user it is about. */
@Injectable()
export class UserRepository {
  constructor(private readonly em: EntityManager) {}

  /** `email` must be normalised (lower-cased). */
  findByEmail(email: string): Promise<User | null> {
    return this.em.findOne(User, { email });
  }

  findById(userId: string): Promise<User | null> {
    return this.em.findOne(User, { id: userId });
  }

  findByIds(userIds: string[]): Promise<User[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.em.find(User, { id: { $in: userIds } });
  }

  /** Conflict when the email is taken, including by a concurrent registration. */
  async insert(user: User): Promise<User> {
    try {
      await this.em.persistAndFlush(user);
      return user;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw emailTaken();
      throw error;
    }
  }

  async save(user: User): Promise<User> {
    await this.em.flush();
    return user;
  }

  async markEmailVerified(userId: string): Promise<void> {
    await this.em.nativeUpdate(User, { id: userId }, { emailVerified: true, updatedAt: new Date() });
  }
}

export function emailTaken(): DomainException {
  return DomainException.conflict('An account with this email already exists');
}
