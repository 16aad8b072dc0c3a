import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import type { Job, Worker } from 'bullmq';
import { createWorker } from '../common/bullmq';
import { NotificationsConfig } from '../config';
import {
  ALERT_EVALUATION_QUEUE,
  type AlertEvaluationJobName,
  type EvaluateAlertJob,
} from './alert-evaluation.jobs';
import { AlertEvaluationService } from './alert-evaluation.service';

// Each evaluation mostly waits on analytics: a few at once keep a replica's share moving without
// flooding ClickHouse when many alerts fall due together.
const CONCURRENCY = 4;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The consumer side of the evaluation queue: one call into AlertEvaluationService per job. */
@Injectable()
export class AlertEvaluationWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertEvaluationWorker.name);
  private worker?: Worker<EvaluateAlertJob, void, AlertEvaluationJobName>;

  constructor(
    private readonly config: NotificationsConfig,
    private readonly evaluation: AlertEvaluationService,
    // Read by @CreateRequestContext: each job gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createWorker<EvaluateAlertJob, AlertEvaluationJobName>(this.config, {
      name: ALERT_EVALUATION_QUEUE,
      connectionName: 'notifications-alert-worker',
      label: 'Alert evaluation worker',
      logger: this.logger,
      concurrency: CONCURRENCY,
      process: (job) => this.process(job),
      describe: (job) => `Evaluation of alert ${job.data.alertId}`,
      givingUp: 'giving up until the next one',
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  @CreateRequestContext()
  private async process(job: Job<EvaluateAlertJob, void, AlertEvaluationJobName>): Promise<void> {
    const { alertId, orgId } = job.data;
    if (!UUID.test(String(alertId)) || !UUID.test(String(orgId))) {
      // Only this service schedules these jobs: a malformed one is a bug to log, and retrying cannot fix it.
      this.logger.error(`Ignoring a malformed evaluation job ${job.id}: ${JSON.stringify(job.data)}`);
      return;
    }
    await this.evaluation.evaluate(orgId, alertId);
  }
}
