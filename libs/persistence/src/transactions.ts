import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs work in one PostgreSQL transaction. Repositories use the injected EntityManager, which resolves
 * to the transaction's own while `work` runs, so they need no transaction parameter.
 */
@Injectable()
export class Transactions {
  constructor(private readonly em: EntityManager) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.em.transactional(() => work());
  }
}
