import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Dashboard } from './dashboard.entity';
import { Insight } from './insight.entity';

export interface ProjectTenant {
  orgId: string;
  projectId: string;
}

/**
 * All PostgreSQL access to insights and dashboards. Reads and writes take the organisation id, so a
 * query cannot reach another tenant's objects; the unscoped reads are the owner lookups (they answer
 * nothing but the tenant, for the access check) and the share-token lookup (the token is the credential).
 */
@Injectable()
export class DashboardsRepository {
  constructor(private readonly em: EntityManager) {}

  async insightTenant(insightId: string): Promise<ProjectTenant | null> {
    const found = await this.em.findOne(Insight, { id: insightId }, { fields: ['orgId', 'projectId'] });
    return found ? { orgId: found.orgId, projectId: found.projectId } : null;
  }

  findInsight(orgId: string, insightId: string): Promise<Insight | null> {
    return this.em.findOne(Insight, { id: insightId, orgId });
  }

  insightsOfProject(orgId: string, projectId: string): Promise<Insight[]> {
    return this.em.find(Insight, { orgId, projectId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** The project's insights among `ids` (others, and other projects', are left out). */
  insightsIn(orgId: string, projectId: string, ids: string[]): Promise<Insight[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.em.find(Insight, { orgId, projectId, id: { $in: ids } });
  }

  countInsights(orgId: string, projectId: string): Promise<number> {
    return this.em.count(Insight, { orgId, projectId });
  }

  async dashboardTenant(dashboardId: string): Promise<ProjectTenant | null> {
    const found = await this.em.findOne(Dashboard, { id: dashboardId }, { fields: ['orgId', 'projectId'] });
    return found ? { orgId: found.orgId, projectId: found.projectId } : null;
  }

  findDashboard(orgId: string, dashboardId: string): Promise<Dashboard | null> {
    return this.em.findOne(Dashboard, { id: dashboardId, orgId });
  }

  dashboardsOfProject(orgId: string, projectId: string): Promise<Dashboard[]> {
    return this.em.find(Dashboard, { orgId, projectId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  countDashboards(orgId: string, projectId: string): Promise<number> {
    return this.em.count(Dashboard, { orgId, projectId });
  }

  /** The dashboard a live share link names, by the hash of its token (a unique index lookup). */
  dashboardSharedAs(tokenHash: string): Promise<Dashboard | null> {
    return this.em.findOne(Dashboard, { shareTokenHash: tokenHash });
  }

  async save<T extends Insight | Dashboard>(entity: T): Promise<T> {
    await this.em.persist(entity).flush();
    return entity;
  }

  /** Deletes the insight and takes it off the project's dashboards, in one transaction. */
  async deleteInsight(orgId: string, insight: Insight): Promise<void> {
    await this.em.transactional(async (em) => {
      const dashboards = await em.find(Dashboard, { orgId, projectId: insight.projectId });
      for (const dashboard of dashboards) {
        const items = dashboard.items.filter((item) => item.insightId !== insight.id);
        if (items.length !== dashboard.items.length) dashboard.items = items;
      }
      await em.nativeDelete(Insight, { id: insight.id, orgId });
    });
  }

  async deleteDashboard(orgId: string, dashboardId: string): Promise<void> {
    await this.em.nativeDelete(Dashboard, { id: dashboardId, orgId });
  }

  /** A deleted project's insights and dashboards (share links with them). */
  async deleteProject(orgId: string, projectId: string): Promise<void> {
    await this.em.transactional(async (em) => {
      await em.nativeDelete(Dashboard, { orgId, projectId });
      await em.nativeDelete(Insight, { orgId, projectId });
    });
  }
}
