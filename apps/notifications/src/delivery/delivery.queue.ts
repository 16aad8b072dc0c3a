import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { createQueue } from '../common/bullmq';
import { NotificationsConfig } from '../config';
import {
  DELIVERY_BACKOFF,
  DELIVERY_QUEUE,
  deliveryJobId,
  DeliveryJobName,
  type DeliverJob,
  type DeliveryJobData,
} from './delivery.jobs';

// Failed jobs stay a day for inspection; the outcome of every attempt is in PostgreSQL anyway.
const KEEP_FAILED_SECONDS = 24 * 3600;

/** The producer side of the delivery queue. */
@Injectable()
export class DeliveryQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryQueue.name);
  private readonly queue: Queue<DeliveryJobData, void, DeliveryJobName>;

  constructor(config: NotificationsConfig) {
    // An add fails at once while Redis is away, so that the caller's own job is retried later (the
    // delivery rows are already there, and a repeated enqueue adds their jobs).
    this.queue = createQueue<DeliveryJobData, DeliveryJobName>(config, {
      name: DELIVERY_QUEUE,
      connectionName: 'notifications-delivery-queue',
      label: 'Delivery queue',
      logger: this.logger,
      defaultJobOptions: {
        attempts: config.DELIVERY_ATTEMPTS,
        // Exponential, or longer when the receiver said how long to wait (DeliveryWorker's strategy).
        backoff: { type: DELIVERY_BACKOFF, delay: config.DELIVERY_RETRY_DELAY_MS },
        removeOnComplete: true,
        removeOnFail: { age: KEEP_FAILED_SECONDS },
      },
    });
  }

  /**
   * Adds the deliveries' jobs in one round trip; while a job waits, is delayed or runs, adding it
   * again does nothing.
   */
  async addAll(jobs: DeliverJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((job) => ({
        name: DeliveryJobName.Deliver,
        data: job,
        opts: { jobId: deliveryJobId(job.deliveryId) },
      })),
    );
  }

  /** Drops the jobs of deleted deliveries that still wait; one running now finds its row gone. */
  async removeWaiting(deliveryIds: string[]): Promise<void> {
    for (const id of deliveryIds) {
      // Fails for a job that is running (it holds a lock): that one ends by itself.
      await this.queue.remove(deliveryJobId(id)).catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
