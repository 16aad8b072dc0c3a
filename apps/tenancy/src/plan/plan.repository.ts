import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { Organisation } from '../org/organisation.entity';
import { Plan } from './plan.entity';

/** PostgreSQL access to plans: platform configuration, not tenant data. */
@Injectable()
export class PlanRepository {
  constructor(private readonly em: EntityManager) {}

  /** Every plan, in the operator's order. Read fresh each time: the operator edits the table directly. */
  list(): Promise<Plan[]> {
    return this.em.find(Plan, {}, { orderBy: { position: 'asc', id: 'asc' }, refresh: true });
  }

  find(planId: string): Promise<Plan | null> {
    return this.em.findOne(Plan, { id: planId }, { refresh: true });
  }

  /** The organisation's plan. The foreign key keeps a plan in use from being deleted: a miss is a broken database. */
  async ofOrg(org: Pick<Organisation, 'id' | 'planId'>): Promise<Plan> {
    const plan = await this.find(org.planId);
    if (!plan) throw new Error(`Organisation ${org.id} is on plan ${org.planId}, which has no row`);
    return plan;
  }
}
