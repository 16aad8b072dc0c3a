import { Injectable } from '@nestjs/common';
import {
  BusErrorCode,
  DomainException,
  type AccessGrant,
  type Actor,
  type Permission,
} from '@northstar/contracts';
import { TenantAccess, type TenantObjectLookup } from '@northstar/messaging';
import type { Alert } from './alert.entity';
import { AlertRepository } from './alert.repository';

/** Access to alerts as tenancy grants it (`alerts:read`, `alerts:manage`); see TenantAccess. */
@Injectable()
export class AlertAccess {
  private readonly lookup: TenantObjectLookup<Alert>;

  constructor(
    private readonly access: TenantAccess,
    alerts: AlertRepository,
  ) {
    this.lookup = {
      tenantOf: (alertId) => alerts.findTenantOf(alertId),
      find: (orgId, alertId) => alerts.findAlert(orgId, alertId),
      notFound: alertNotFound,
    };
  }

  toProject(actor: Actor, projectId: string, permission: Permission): Promise<AccessGrant> {
    return this.access.toProject(actor, projectId, permission);
  }

  /**
   * Whether the actor may manage the project's alerts (admins and owners, as tenancy's policy says):
   * they alone see webhook URLs in full.
   */
  async mayManage(actor: Actor, projectId: string): Promise<boolean> {
    try {
      await this.access.toProject(actor, projectId, 'alerts:manage');
      return true;
    } catch (error) {
      if (error instanceof DomainException && error.code === BusErrorCode.Forbidden) return false;
      throw error;
    }
  }

  toAlert(actor: Actor, alertId: string, permission: Permission): Promise<Alert> {
    return this.access.toObject(actor, alertId, permission, this.lookup);
  }
}

export function alertNotFound(): DomainException {
  return DomainException.notFound('Alert');
}
