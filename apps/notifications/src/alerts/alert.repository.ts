import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { AlertEvent } from './alert-event.entity';
import { Alert } from './alert.entity';

export interface AlertTenant {
  orgId: string;
  projectId: string;
}

/** Where a page of a newest-first list ended. */
export interface PagePosition {
  at: Date;
  id: string;
}

/** What the scheduler needs of an alert to schedule it. */
export interface ScheduledAlert {
  id: string;
  orgId: string;
  everySeconds: number;
}

/**
 * All PostgreSQL access to alerts and their history. Reads and writes take the organisation id, so a
 * query cannot reach another tenant's alerts. The unscoped reads are the owner lookup (it answers
 * nothing but the tenant, for the access check) and the scheduler's list of enabled alerts (ids and
 * periods only, to reconcile the schedules at start).
 */
@Injectable()
export class AlertRepository {
  constructor(private readonly em: EntityManager) {}

  async findTenantOf(alertId: string): Promise<AlertTenant | null> {
    const alert = await this.em.findOne(Alert, { id: alertId }, { fields: ['orgId', 'projectId'] });
    return alert ? { orgId: alert.orgId, projectId: alert.projectId } : null;
  }

  findAlert(orgId: string, alertId: string): Promise<Alert | null> {
    return this.em.findOne(Alert, { id: alertId, orgId });
  }

  /** A page of the project's alerts, newest first. */
  listForProject(
    orgId: string,
    projectId: string,
    after: PagePosition | null,
    limit: number,
  ): Promise<Alert[]> {
    const position = after
      ? { $or: [{ createdAt: { $lt: after.at } }, { createdAt: after.at, id: { $lt: after.id } }] }
      : {};
    return this.em.find(
      Alert,
      { orgId, projectId, ...position },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit },
    );
  }

  async save(alert: Alert): Promise<Alert> {
    await this.em.persist(alert).flush();
    return alert;
  }

  /** Deletes the alert and (by cascade) its history. */
  async delete(orgId: string, alertId: string): Promise<void> {
    await this.em.nativeDelete(Alert, { id: alertId, orgId });
  }

  /** The ids of a project's alerts. */
  async idsOfProject(orgId: string, projectId: string): Promise<string[]> {
    const alerts = await this.em.find(Alert, { orgId, projectId }, { fields: ['id'] });
    return alerts.map((alert) => alert.id);
  }

  async deleteProject(orgId: string, projectId: string): Promise<void> {
    await this.em.nativeDelete(Alert, { orgId, projectId });
  }

  /** Every enabled alert of every tenant, for the schedules: a system task, not a tenant's query. */
  async listEnabledForScheduling(): Promise<ScheduledAlert[]> {
    const alerts = await this.em.find(
      Alert,
      { enabled: true },
      { fields: ['id', 'orgId', 'everySeconds'], orderBy: { id: 'asc' } },
    );
    return alerts.map((alert) => ({ id: alert.id, orgId: alert.orgId, everySeconds: alert.everySeconds }));
  }

  /** Which of these alert ids exist and are enabled. */
  async enabledAmong(alertIds: string[]): Promise<Set<string>> {
    if (alertIds.length === 0) return new Set();
    const alerts = await this.em.find(Alert, { id: { $in: alertIds }, enabled: true }, { fields: ['id'] });
    return new Set(alerts.map((alert) => alert.id));
  }

  /**
   * Runs `work` in a transaction holding the alert's row lock (`select … for update`), so that two
   * evaluations of one alert at once take turns and the second sees the first one's state. The alert
   * is null when it no longer exists.
   */
  withLockedAlert<T>(
    orgId: string,
    alertId: string,
    work: (alert: Alert | null, em: EntityManager) => Promise<T>,
  ): Promise<T> {
    return this.em.transactional(async (em) => {
      const alert = await em.findOne(
        Alert,
        { id: alertId, orgId },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      return work(alert, em);
    });
  }

  async addEvent(event: AlertEvent): Promise<AlertEvent> {
    await this.em.persist(event).flush();
    return event;
  }

  /** A page of the alert's history, newest first. */
  listEvents(
    orgId: string,
    alertId: string,
    after: PagePosition | null,
    limit: number,
  ): Promise<AlertEvent[]> {
    const position = after
      ? { $or: [{ at: { $lt: after.at } }, { at: after.at, id: { $lt: after.id } }] }
      : {};
    return this.em.find(
      AlertEvent,
      { orgId, alertId, ...position },
      { orderBy: { at: 'desc', id: 'desc' }, limit },
    );
  }

  /** The alert's notifications since `since` (not tests), newest first, for the delivery repair. */
  recentNotifications(orgId: string, alertId: string, since: Date, limit: number): Promise<AlertEvent[]> {
    return this.em.find(
      AlertEvent,
      { orgId, alertId, kind: { $in: ['firing', 'resolved'] }, at: { $gte: since } },
      { orderBy: { at: 'desc', id: 'desc' }, limit },
    );
  }
}
