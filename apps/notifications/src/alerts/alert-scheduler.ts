import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import type { Queue } from 'bullmq';
import { createQueue } from '../common/bullmq';
import { NotificationsConfig } from '../config';
import {
  ALERT_EVALUATION_QUEUE,
  AlertEvaluationJobName,
  EVALUATION_ATTEMPTS,
  EVALUATION_RETRY_DELAY_MS,
  type EvaluateAlertJob,
} from './alert-evaluation.jobs';
import { AlertRepository, type ScheduledAlert } from './alert.repository';

const KEEP_FAILED_SECONDS = 24 * 3600;
const SCHEDULER_PAGE = 500;

/**
 * The repeating evaluation of each enabled alert: one BullMQ job scheduler per alert, whose id is the
 * alert's id. Upserting by that id is idempotent, so restarts and replicas never double a schedule.
 */
@Injectable()
export class AlertScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertScheduler.name);
  // Names typed as strings: BullMQ types a scheduler's id as a job name, and ours are alert ids.
  private readonly queue: Queue<EvaluateAlertJob, void, string>;
  private reconciled?: Promise<void>;

  constructor(
    config: NotificationsConfig,
    private readonly alerts: AlertRepository,
    // Read by @CreateRequestContext.
    readonly orm: MikroORM,
  ) {
    // Fails at once while Redis is away, rather than hold a request until it is back.
    this.queue = createQueue<EvaluateAlertJob, string>(config, {
      name: ALERT_EVALUATION_QUEUE,
      connectionName: 'notifications-alert-scheduler',
      label: 'Alert evaluation queue',
      logger: this.logger,
    });
  }

  /** Evaluates the alert every `everySeconds` from now on (replacing its previous schedule). */
  async schedule(alert: ScheduledAlert): Promise<void> {
    await this.queue.upsertJobScheduler(
      alert.id,
      { every: alert.everySeconds * 1000 },
      {
        name: AlertEvaluationJobName.Evaluate,
        data: { alertId: alert.id, orgId: alert.orgId },
        opts: {
          attempts: EVALUATION_ATTEMPTS,
          backoff: { type: 'exponential', delay: EVALUATION_RETRY_DELAY_MS },
          removeOnComplete: true,
          removeOnFail: { age: KEEP_FAILED_SECONDS },
        },
      },
    );
  }

  /** Stops evaluating the alert; nothing happens when it had no schedule. */
  async unschedule(alertId: string): Promise<void> {
    await this.queue.removeJobScheduler(alertId);
  }

  /** The ids of every schedule in the queue. */
  async scheduledIds(): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; ; start += SCHEDULER_PAGE) {
      const page = await this.queue.getJobSchedulers(start, start + SCHEDULER_PAGE - 1, true);
      ids.push(...page.map((scheduler) => scheduler.key));
      if (page.length < SCHEDULER_PAGE) return ids;
    }
  }

  onApplicationBootstrap(): void {
    // Not awaited: a Redis outage at start must not keep the service from answering; the
    // evaluations self-heal anyway.
    this.reconciled = this.reconcile().catch((error: unknown) =>
      this.logger.error(`Reconciling the alert schedules failed: ${(error as Error).message}`),
    );
  }

  /**
   * Makes the schedules match the enabled alerts: upserts one per enabled alert, removes those whose
   * alert is gone or disabled. The schedules are listed before the alerts are read, and a new alert is
   * scheduled after it is committed, so an alert created meanwhile is never taken for an orphan.
   */
  @CreateRequestContext()
  async reconcile(): Promise<void> {
    const scheduled = await this.scheduledIds();
    const enabled = await this.alerts.listEnabledForScheduling();
    for (const alert of enabled) await this.schedule(alert);
    const keep = new Set(enabled.map((alert) => alert.id));
    const orphans = scheduled.filter((id) => !keep.has(id));
    for (const id of orphans) await this.unschedule(id);
    if (orphans.length > 0) this.logger.log(`Removed ${orphans.length} schedule(s) without an enabled alert`);
  }

  /** Resolves when the start-up reconciliation is over (tests wait for it). */
  async whenReconciled(): Promise<void> {
    await this.reconciled;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reconciled;
    await this.queue.close();
  }
}
