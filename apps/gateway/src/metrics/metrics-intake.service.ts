import { Inject, Injectable, Logger, PayloadTooLargeException } from '@nestjs/common';
import { BusErrorCode, DomainException, type IngestResponse } from '@northstar/contracts';
import { intakeMetrics, IntakeRequestError, type MetricIntakeResult } from '@northstar/event-intake';
import { EventPublishError, MetricStreamPublisher } from '@northstar/event-stream';
import { PUBLISH_RETRY_AFTER_SECONDS, STREAM_FULL_RETRY_AFTER_SECONDS } from '../ingest/ingest.service';

/** Who sends the metrics: the key's project, for the request id and the receive time. */
export interface MetricsCaller {
  projectId: string;
  requestId: string;
  receivedAt: Date;
}

/**
 * The gateway's half of custom metrics: validates each point (event-intake's metric intake), publishes
 * the accepted ones to METRICS in one message, and answers only once JetStream acknowledged them. No
 * database is asked on the way: the key was checked from the gateway's cache.
 */
@Injectable()
export class MetricsIntakeService {
  private readonly logger = new Logger(MetricsIntakeService.name);

  constructor(@Inject(MetricStreamPublisher) private readonly publisher: MetricStreamPublisher) {}

  async ingest(body: unknown, caller: MetricsCaller): Promise<IngestResponse> {
    const result = intake(() =>
      intakeMetrics(body, { projectId: caller.projectId, receivedAt: caller.receivedAt }),
    );
    if (result.accepted.length > 0) {
      try {
        await this.publisher.publish(result.accepted, { requestId: caller.requestId });
      } catch (error) {
        if (!(error instanceof EventPublishError)) throw error;
        this.logger.warn(`Metrics of project ${caller.projectId} not queued: ${error.message}`);
        throw new DomainException(
          BusErrorCode.Unavailable,
          error.streamFull
            ? 'The metrics queue is full while ingestion catches up; nothing was accepted, send them again later'
            : 'The metrics could not be queued; nothing was accepted, send them again',
          {
            retryAfterSeconds: error.streamFull
              ? STREAM_FULL_RETRY_AFTER_SECONDS
              : PUBLISH_RETRY_AFTER_SECONDS,
          },
        );
      }
    }
    return { accepted: result.accepted.length, rejected: result.rejected };
  }
}

function intake(run: () => MetricIntakeResult): MetricIntakeResult {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof IntakeRequestError)) throw error;
    if (error.status === 413) throw new PayloadTooLargeException(error.message);
    throw DomainException.invalid(error.errors);
  }
}
