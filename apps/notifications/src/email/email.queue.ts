import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { createQueue } from '../common/bullmq';
import { NotificationsConfig } from '../config';
import {
  EMAIL_QUEUE,
  emailJobId,
  uniqueOf,
  type EmailJob,
  type EmailJobData,
  type EmailJobName,
} from './email.jobs';

// Completed jobs are removed at once (they hold the plaintext token); the deduplication key, which
// holds only the job id, outlives them for as long as JetStream keeps the event, so a redelivery of
// any age is recognised.
const DEDUPLICATION_TTL_MS = 7 * 24 * 3600 * 1000;
const KEEP_FAILED_SECONDS = 24 * 3600;

/** The producer side of the email queue. */
@Injectable()
export class EmailQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(EmailQueue.name);
  private readonly queue: Queue<EmailJobData, void, EmailJobName>;

  constructor(config: NotificationsConfig) {
    // An add fails at once while Redis is away: the event is then redelivered later by JetStream,
    // rather than holding the consumer until it is.
    this.queue = createQueue<EmailJobData, EmailJobName>(config, {
      name: EMAIL_QUEUE,
      connectionName: 'notifications-email-queue',
      label: 'Email queue',
      logger: this.logger,
      defaultJobOptions: {
        attempts: config.EMAIL_ATTEMPTS,
        backoff: { type: 'exponential', delay: config.EMAIL_RETRY_DELAY_MS },
        removeOnComplete: true,
        removeOnFail: { age: KEEP_FAILED_SECONDS },
      },
    });
  }

  /** Enqueues the email once: adding it again (a redelivered event, a repeated warning) does nothing. */
  async add(job: EmailJob): Promise<void> {
    const id = emailJobId(job.name, uniqueOf(job));
    await this.queue.add(job.name, job.data, {
      jobId: id,
      deduplication: { id, ttl: DEDUPLICATION_TTL_MS },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
