import { Injectable, Logger } from '@nestjs/common';
import { DeliveryService } from '../delivery/delivery.service';
import { nextAlertStep } from './alert-state';
import { AlertEvent } from './alert-event.entity';
import type { Alert } from './alert.entity';
import { AlertMeasure } from './alert-measure';
import { AlertNotifier } from './alert-notifier';
import { AlertRepository } from './alert.repository';
import { AlertScheduler } from './alert-scheduler';

// How far back the repair looks for notifications whose deliveries were never enqueued.
const REPAIR_WINDOW_MS = 24 * 3600 * 1000;
const REPAIR_ENTRIES = 5;

export type EvaluationOutcome =
  | { evaluated: false; reason: 'gone' | 'disabled' | 'stale' }
  | { evaluated: true; value: number; notified: AlertEvent | null };

/**
 * One scheduled evaluation of an alert: measure, then move its state machine in a transaction that
 * holds the alert's row lock, record a history entry for each notification, and enqueue the
 * deliveries after the commit. An analytics failure throws before anything changes (the job retries).
 */
@Injectable()
export class AlertEvaluationService {
  private readonly logger = new Logger(AlertEvaluationService.name);

  constructor(
    private readonly alerts: AlertRepository,
    private readonly measure: AlertMeasure,
    private readonly notifier: AlertNotifier,
    private readonly delivery: DeliveryService,
    private readonly scheduler: AlertScheduler,
  ) {}

  async evaluate(orgId: string, alertId: string, now = new Date()): Promise<EvaluationOutcome> {
    const alert = await this.alerts.findAlert(orgId, alertId);
    if (!alert || !alert.enabled) {
      // A schedule left behind (a removal that failed, a race with a replica's start-up): end it.
      await this.scheduler.unschedule(alertId);
      return { evaluated: false, reason: alert ? 'disabled' : 'gone' };
    }
    const value = await this.measure.valueOf(alert, now);

    const outcome = await this.alerts.withLockedAlert(orgId, alertId, async (locked, em) => {
      if (!locked || !locked.enabled) return null;
      // A later evaluation committed first (a retried job running late): its state is the newer one.
      if (locked.lastEvaluatedAt && locked.lastEvaluatedAt > now) return null;
      const step = nextAlertStep(locked, locked, value, now);
      locked.state = step.state;
      locked.lastNotifiedAt = step.lastNotifiedAt;
      locked.lastValue = value;
      locked.lastEvaluatedAt = now;
      let entry: AlertEvent | null = null;
      if (step.notify) {
        entry = new AlertEvent();
        entry.orgId = locked.orgId;
        entry.alertId = locked.id;
        entry.kind = step.notify;
        entry.state = step.state;
        entry.value = value;
        entry.at = now;
        em.persist(entry);
      }
      await em.flush();
      return { alert: locked, entry };
    });
    if (!outcome) return { evaluated: false, reason: 'stale' };

    await this.repairUnsent(outcome.alert, outcome.entry, now);
    if (outcome.entry) await this.notifier.notify(outcome.alert, outcome.entry);
    return { evaluated: true, value, notified: outcome.entry };
  }

  /**
   * Re-enqueues recent notifications that have no delivery: a crash between the commit and the
   * enqueue of an earlier evaluation. Enqueueing is idempotent per entry, so a race with that
   * evaluation's own enqueue sends nothing twice.
   */
  private async repairUnsent(alert: Alert, justMade: AlertEvent | null, now: Date): Promise<void> {
    const recent = (
      await this.alerts.recentNotifications(
        alert.orgId,
        alert.id,
        new Date(now.getTime() - REPAIR_WINDOW_MS),
        REPAIR_ENTRIES,
      )
    ).filter((entry) => entry.id !== justMade?.id);
    if (recent.length === 0) return;
    const deliveries = await this.delivery.listForNotifications(
      alert.orgId,
      recent.map((entry) => entry.id),
    );
    const sent = new Set(deliveries.map((delivery) => delivery.notificationId));
    for (const entry of recent.filter((candidate) => !sent.has(candidate.id)).reverse()) {
      this.logger.warn(
        `Re-enqueueing the deliveries of ${entry.kind} notification ${entry.id} of alert ${alert.id}`,
      );
      await this.notifier.notify(alert, entry);
    }
  }
}
