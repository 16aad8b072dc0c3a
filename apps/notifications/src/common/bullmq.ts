import type { Logger } from '@nestjs/common';
import { Queue, Worker, type DefaultJobOptions, type Job, type WorkerOptions } from 'bullmq';
import type { NotificationsConfig } from '../config';

/**
 * The queues and workers of notifications (alert evaluation, email, delivery), built one way: under
 * the deployment's QUEUE_PREFIX, each on a Redis connection of its own named for Redis' CLIENT LIST,
 * and with an 'error' listener, without which an error event would end the process (ioredis
 * reconnects by itself).
 */
export interface QueueSpec {
  name: string;
  /** The Redis connection's name, `notifications-…`. */
  connectionName: string;
  /** Says what failed, in the logger's words: `Email queue`. */
  label: string;
  logger: Logger;
  defaultJobOptions?: DefaultJobOptions;
}

/**
 * The producer side. Adds fail at once while Redis is away (no offline queue, one retry), so that the
 * caller's own retry (a redelivered event, a failed evaluation job, an HTTP error) takes over rather
 * than a request hanging until Redis is back.
 */
export function createQueue<Data, Name extends string>(
  config: NotificationsConfig,
  spec: QueueSpec,
): Queue<Data, void, Name> {
  const queue = new Queue<Data, void, Name>(spec.name, {
    prefix: config.QUEUE_PREFIX,
    connection: {
      url: config.REDIS_URL,
      connectionName: spec.connectionName,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    },
    ...(spec.defaultJobOptions && { defaultJobOptions: spec.defaultJobOptions }),
  });
  queue.on('error', (error) => spec.logger.warn(`${spec.label}: ${error.message}`));
  return queue;
}

export interface WorkerSpec<Data, Name extends string> extends Omit<QueueSpec, 'defaultJobOptions'> {
  concurrency: number;
  process: (job: Job<Data, void, Name>, token?: string) => Promise<void>;
  /** What a failed job was, for the log line: `Delivery <id>`. */
  describe: (job: Job<Data, void, Name>) => string;
  /** What giving up means for this queue (`giving up`, `giving up until the next one`). */
  givingUp?: string;
  settings?: WorkerOptions['settings'];
}

/**
 * The consumer side: a blocking connection of its own that retries commands forever (BullMQ's
 * requirement for workers), and every failed attempt logged, as a warning while retries remain.
 */
export function createWorker<Data, Name extends string>(
  config: NotificationsConfig,
  spec: WorkerSpec<Data, Name>,
): Worker<Data, void, Name> {
  const worker = new Worker<Data, void, Name>(spec.name, (job, token) => spec.process(job, token), {
    prefix: config.QUEUE_PREFIX,
    connection: { url: config.REDIS_URL, connectionName: spec.connectionName, maxRetriesPerRequest: null },
    concurrency: spec.concurrency,
    ...(spec.settings && { settings: spec.settings }),
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const summary = `${spec.describe(job)} failed (attempt ${job.attemptsMade} of ${attempts})`;
    if (job.attemptsMade < attempts) spec.logger.warn(`${summary}, will retry: ${error.message}`);
    else spec.logger.error(`${summary}, ${spec.givingUp ?? 'giving up'}: ${error.message}`);
  });
  worker.on('error', (error) => spec.logger.warn(`${spec.label}: ${error.message}`));
  return worker;
}
