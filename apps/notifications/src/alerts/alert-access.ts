import { Injectable } from '@nestjs/common';
import {
  BusErrorCode,
  DomainException,
  TenancySubjects,
  type AccessGrant,
  type Actor,
  type Permission,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import type { Alert } from './alert.entity';
import { AlertRepository } from './alert.repository';

/**
 * Who may do what with alerts is tenancy's policy: every command asks it (`alerts:read`,
 * `alerts:manage`) rather than trusting the gateway. An alert of an organisation the actor does not
 * belong to is answered as not found, exactly like an alert that does not exist.
 */
@Injectable()
export class AlertAccess {
  constructor(
    private readonly bus: BusClient,
    private readonly alerts: AlertRepository,
  ) {}

  /** The actor's grant on the project; tenancy's not_found / forbidden pass through. */
  async toProject(actor: Actor, projectId: string, permission: Permission): Promise<AccessGrant> {
    const grant = await this.bus.send(TenancySubjects.checkAccess, { actor, projectId, permission });
    if (grant.projectId !== undefined && grant.projectId !== projectId)
      throw DomainException.notFound('Project');
    return grant;
  }

  /** The alert, loaded within the organisation the actor was granted access to. */
  async toAlert(actor: Actor, alertId: string, permission: Permission): Promise<Alert> {
    const tenant = await this.alerts.findTenantOf(alertId);
    if (!tenant) throw alertNotFound();
    let grant: AccessGrant;
    try {
      grant = await this.toProject(actor, tenant.projectId, permission);
    } catch (error) {
      // Tenancy speaks of the project; the caller asked about an alert and must not learn the difference.
      if (error instanceof DomainException && error.code === BusErrorCode.NotFound) throw alertNotFound();
      throw error;
    }
    if (grant.orgId !== tenant.orgId) throw alertNotFound();
    const alert = await this.alerts.findAlert(grant.orgId, alertId);
    if (!alert) throw alertNotFound();
    return alert;
  }
}

export function alertNotFound(): DomainException {
  return DomainException.notFound('Alert');
}
