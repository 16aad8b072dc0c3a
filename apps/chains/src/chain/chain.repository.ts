import { Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { DomainException } from '@northstar/contracts';
import { ChainAuditEntry } from './chain-audit.entity';
import { Chain } from './chain.entity';

/** Where a page of the audit log starts: after this entry, in newest-first order. */
export interface AuditPosition {
  at: Date;
  id: string;
}

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

  /** Stores the chain with its audit entry: one flush, so one transaction, for both or neither. */
  async save(chain: Chain, audit: ChainAuditEntry): Promise<Chain> {
    try {
      await this.em.persist([chain, audit]).flush();
      return chain;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        this.em.clear();
        throw DomainException.conflict('A chain with this slug or chain id already exists');
      }
      throw error;
    }
  }

  async remove(chain: Chain, audit: ChainAuditEntry): Promise<void> {
    await this.em.remove(chain).persist(audit).flush();
  }

  /** Audit entries newest first, of one chain or all, after the given position. */
  listAudit(
    chainSlug: string | null,
    after: AuditPosition | null,
    limit: number,
  ): Promise<ChainAuditEntry[]> {
    return this.em.find(
      ChainAuditEntry,
      {
        ...(chainSlug === null ? {} : { chainSlug }),
        ...(after === null
          ? {}
          : { $or: [{ at: { $lt: after.at } }, { at: after.at, id: { $lt: after.id } }] }),
      },
      { orderBy: [{ at: 'desc' }, { id: 'desc' }], limit },
    );
  }
}
