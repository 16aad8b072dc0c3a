import { Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { DomainException } from '@northstar/contracts';
import { Chain } from './chain.entity';

/** All PostgreSQL access of the chains service. The catalog is platform-wide, not tenant data. */
@Injectable()
export class ChainRepository {
  constructor(private readonly em: EntityManager) {}

  findAll(): Promise<Chain[]> {
    return this.em.find(Chain, {}, { orderBy: { slug: 'asc' } });
  }

  findBySlug(slug: string): Promise<Chain | null> {
    return this.em.findOne(Chain, { slug });
  }

  async save(chain: Chain): Promise<Chain> {
    try {
      await this.em.persistAndFlush(chain);
      return chain;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        this.em.clear();
        throw DomainException.conflict('A chain with this slug or chain id already exists');
      }
      throw error;
    }
  }

  async remove(chain: Chain): Promise<void> {
    await this.em.removeAndFlush(chain);
  }
}
