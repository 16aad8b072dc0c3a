import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { runWithRequestContext, sanitizeRequestId } from '@northstar/observability';
import { DelayedError, type Job, type Worker } from 'bullmq';
import { createWorker } from '../common/bullmq';
import { NotificationsConfig } from '../config';
import { DELIVERY_QUEUE, deliveryBackoff, type DeliveryJobData, type DeliveryJobName } from './delivery.jobs';
import { DeliveryService, DestinationBusyError, RetryAfterError } from './delivery.service';

const CONCURRENCY = 5;

/** The consumer side of the delivery queue: one call into DeliveryService per attempt. */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private worker?: Worker<DeliveryJobData, void, DeliveryJobName>;

  constructor(
    private readonly config: NotificationsConfig,
    private readonly deliveries: DeliveryService,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createWorker<DeliveryJobData, DeliveryJobName>(this.config, {
      name: DELIVERY_QUEUE,
      connectionName: 'notifications-delivery-worker',
      label: 'Delivery worker',
      logger: this.logger,
      concurrency: CONCURRENCY,
      process: (job, token) => this.process(job, token),
      describe: (job) => `Delivery ${job.data.deliveryId}`,
      settings: {
        // Only for the jobs of DELIVERY_BACKOFF (built-in types, of jobs queued before, stay as they are).
        backoffStrategy: (attemptsMade, _type, error, job) =>
          deliveryBackoff(
            attemptsMade,
            job?.opts.backoff !== undefined && typeof job.opts.backoff === 'object'
              ? (job.opts.backoff.delay ?? this.config.DELIVERY_RETRY_DELAY_MS)
              : this.config.DELIVERY_RETRY_DELAY_MS,
            error instanceof RetryAfterError ? error.retryAfterMs : undefined,
          ),
      },
    });
  }

  // Before the database connections close: the attempts running now finish and are recorded; the
  // other jobs wait in Redis for the next replica.
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  private async process(job: Job<DeliveryJobData, void, DeliveryJobName>, token?: string): Promise<void> {
    const requestId = sanitizeRequestId(job.data.requestId);
    const attempt = job.attemptsMade + 1;
    try {
      await runWithRequestContext({ requestId }, () =>
        this.deliveries.attempt(job.data, attempt, attempt >= (job.opts.attempts ?? 1)),
      );
    } catch (error) {
      if (!(error instanceof DestinationBusyError) || token === undefined) throw error;
      // Back to the delayed set for when the destination has room: BullMQ counts no attempt for a
      // DelayedError, so the delivery keeps all of its retries.
      await job.moveToDelayed(Date.now() + error.waitMs, token);
      throw new DelayedError();
    }
  }
}
