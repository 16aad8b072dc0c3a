import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs several repository calls in one PostgreSQL transaction: the repositories' EntityManager
 * resolves to the transaction's while `fn` runs.
 */
@Injectable()
export class UnitOfWork {
  constructor(private readonly em: EntityManager) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.em.transactional(() => fn());
  }
}
