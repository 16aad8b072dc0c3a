import { Injectable } from '@nestjs/common';
import { DomainException, type AccessGrant, type Actor, type Permission } from '@northstar/contracts';
import { TenantAccess, type TenantObjectLookup } from '@northstar/messaging';
import type { Dashboard } from './dashboard.entity';
import { DashboardsRepository } from './dashboards.repository';
import type { Insight } from './insight.entity';

/**
 * Access to saved insights and dashboards as tenancy grants it: `analytics:read` to read them (viewers
 * and up), `dashboards:manage` to change them (members and up). Another organisation's object is
 * not_found, like one that does not exist.
 */
@Injectable()
export class DashboardAccess {
  private readonly insights: TenantObjectLookup<Insight>;
  private readonly dashboards: TenantObjectLookup<Dashboard>;

  constructor(
    private readonly access: TenantAccess,
    repository: DashboardsRepository,
  ) {
    this.insights = {
      tenantOf: (id) => repository.insightTenant(id),
      find: (orgId, id) => repository.findInsight(orgId, id),
      notFound: () => DomainException.notFound('Insight'),
    };
    this.dashboards = {
      tenantOf: (id) => repository.dashboardTenant(id),
      find: (orgId, id) => repository.findDashboard(orgId, id),
      notFound: () => DomainException.notFound('Dashboard'),
    };
  }

  toProject(actor: Actor, projectId: string, permission: Permission): Promise<AccessGrant> {
    return this.access.toProject(actor, projectId, permission);
  }

  toInsight(actor: Actor, insightId: string, permission: Permission): Promise<Insight> {
    return this.access.toObject(actor, insightId, permission, this.insights);
  }

  toDashboard(actor: Actor, dashboardId: string, permission: Permission): Promise<Dashboard> {
    return this.access.toObject(actor, dashboardId, permission, this.dashboards);
  }
}
