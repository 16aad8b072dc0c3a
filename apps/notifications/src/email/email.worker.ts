import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { runWithRequestContext, sanitizeRequestId } from '@northstar/observability';
import { Worker, type Job } from 'bullmq';
import { NotificationsConfig } from '../config';
import { EMAIL_QUEUE, type EmailJob, type EmailJobData, type EmailJobName } from './email.jobs';
import { EmailService } from './email.service';

const CONCURRENCY = 5;

/** The consumer side of the email queue: one call into EmailService per job. */
@Injectable()
export class EmailWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EmailWorker.name);
  private worker?: Worker<EmailJobData, void, EmailJobName>;

  constructor(
    private readonly config: NotificationsConfig,
    private readonly email: EmailService,
  ) {}

  onApplicationBootstrap(): void {
    const worker = new Worker<EmailJobData, void, EmailJobName>(EMAIL_QUEUE, (job) => this.process(job), {
      prefix: this.config.QUEUE_PREFIX,
      // Its own connection: BullMQ blocks on it waiting for jobs, and retries commands forever.
      connection: {
        url: this.config.REDIS_URL,
        connectionName: 'notifications-email-worker',
        maxRetriesPerRequest: null,
      },
      concurrency: CONCURRENCY,
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const attempts = job.opts.attempts ?? 1;
      const summary = `Email job ${job.id} failed (attempt ${job.attemptsMade} of ${attempts})`;
      if (job.attemptsMade < attempts) this.logger.warn(`${summary}, will retry: ${error.message}`);
      else this.logger.error(`${summary}, giving up: ${error.message}`);
    });
    // Without a listener an 'error' event would end the process; ioredis reconnects by itself.
    worker.on('error', (error) => this.logger.warn(`Email worker: ${error.message}`));
    this.worker = worker;
  }

  // After the durable event consumers have stopped (beforeApplicationShutdown): the jobs being sent
  // finish, the others wait in Redis for the next replica.
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  private process(job: Job<EmailJobData, void, EmailJobName>): Promise<void> {
    const requestId = sanitizeRequestId(job.data.requestId);
    return runWithRequestContext({ requestId }, () =>
      this.email.deliver({ name: job.name, data: job.data } as EmailJob),
    );
  }
}
