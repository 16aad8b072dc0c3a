import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { runWithRequestContext, sanitizeRequestId } from '@northstar/observability';
import type { Job, Worker } from 'bullmq';
import { createWorker } from '../common/bullmq';
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
    this.worker = createWorker<EmailJobData, EmailJobName>(this.config, {
      name: EMAIL_QUEUE,
      connectionName: 'notifications-email-worker',
      label: 'Email worker',
      logger: this.logger,
      concurrency: CONCURRENCY,
      process: (job) => this.process(job),
      describe: (job) => `Email job ${job.id}`,
    });
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
