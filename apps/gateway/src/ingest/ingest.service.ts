import { Inject, Injectable, Logger, PayloadTooLargeException } from '@nestjs/common';
import { BusErrorCode, DomainException, type EventType, type IngestResponse } from '@northstar/contracts';
import {
  intakeBatch,
  intakeEvent,
  IntakeRequestError,
  type IntakeOptions,
  type IntakeResult,
} from '@northstar/event-intake';
import { EventPublishError, EventStreamPublisher } from '@northstar/event-stream';
import { keyRefusal } from '../api-keys/api-key-admission';
import type { IngestCaller } from './ingest-caller';

/** Seconds an SDK is told to wait after JetStream failed to take its events. */
export const PUBLISH_RETRY_AFTER_SECONDS = 2;
/** Seconds an SDK is told to wait when the event stream is full (ingestion has a backlog to write). */
export const STREAM_FULL_RETRY_AFTER_SECONDS = 30;

/**
 * The gateway's half of ingestion: validates and normalizes SDK events (event-intake), publishes the
 * accepted ones to JetStream (a request's events in one message), and answers only once JetStream
 * has acknowledged them.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(@Inject(EventStreamPublisher) private readonly publisher: EventStreamPublisher) {}

  /** `{ batch: [...], sentAt? }`: invalid events are rejected by index, the others accepted. */
  batch(body: unknown, caller: IngestCaller): Promise<IngestResponse> {
    const result = intake(() => intakeBatch(body, optionsOf(caller)));
    return this.publish(
      caller.allowedChainIds ? rejectOtherChains(result, caller.allowedChainIds) : result,
      caller,
    );
  }

  /**
   * One event (`/v1/events`, or a Segment per-type route implying `impliedType`). An invalid event
   * makes the request invalid: 400 with the event's errors.
   */
  async event(body: unknown, caller: IngestCaller, impliedType?: EventType): Promise<IngestResponse> {
    const result = intake(() =>
      intakeEvent(body, { ...optionsOf(caller), ...(impliedType ? { impliedType } : {}) }),
    );
    const [rejected] = result.rejected;
    if (rejected) throw DomainException.invalid(rejected.errors, 'The event is invalid');
    const chainId = result.accepted[0]?.web3?.chainId;
    if (caller.allowedChainIds && chainId !== undefined && !caller.allowedChainIds.has(chainId)) {
      throw keyRefusal('key-chain-not-allowed', chainRefusal(chainId));
    }
    return this.publish(result, caller);
  }

  private async publish(result: IntakeResult, caller: IngestCaller): Promise<IngestResponse> {
    if (result.accepted.length > 0) {
      try {
        await this.publisher.publish(result.accepted, { requestId: caller.requestId });
      } catch (error) {
        if (!(error instanceof EventPublishError)) throw error;
        this.logger.warn(`Events of project ${caller.projectId} not queued: ${error.message}`);
        if (error.streamFull) {
          throw new DomainException(
            BusErrorCode.Unavailable,
            'The event queue is full while ingestion catches up; nothing was accepted, send the events again later',
            { retryAfterSeconds: STREAM_FULL_RETRY_AFTER_SECONDS },
          );
        }
        throw new DomainException(
          BusErrorCode.Unavailable,
          'The events could not be queued; nothing was accepted, send them again',
          { retryAfterSeconds: PUBLISH_RETRY_AFTER_SECONDS },
        );
      }
    }
    return { accepted: result.accepted.length, rejected: result.rejected };
  }
}

const chainRefusal = (chainId: number): string =>
  `The API key may not be used for chain ${chainId} (web3.chainId is not one of its allowedChains)`;

/**
 * A batch of a key bound to some chains: an event naming another chain in `web3.chainId` is rejected
 * like an invalid one, by its index; the other events still go in (events without a chain included).
 */
function rejectOtherChains(result: IntakeResult, allowed: ReadonlySet<number>): IntakeResult {
  if (
    !result.accepted.some((event) => event.web3?.chainId !== undefined && !allowed.has(event.web3.chainId))
  ) {
    return result;
  }
  // Accepted events are in request order, in the indexes intake did not reject.
  const invalid = new Set(result.rejected.map((entry) => entry.index));
  const accepted: IntakeResult['accepted'] = [];
  const rejected = [...result.rejected];
  let index = 0;
  for (const event of result.accepted) {
    while (invalid.has(index)) index += 1;
    const chainId = event.web3?.chainId;
    if (chainId !== undefined && !allowed.has(chainId)) {
      rejected.push({ index, errors: [{ field: 'web3.chainId', message: chainRefusal(chainId) }] });
    } else {
      accepted.push(event);
    }
    index += 1;
  }
  return { accepted, rejected: rejected.sort((a, b) => a.index - b.index) };
}

function optionsOf(caller: IngestCaller): IntakeOptions {
  return {
    projectId: caller.projectId,
    receivedAt: caller.receivedAt,
    // A request's events share one stream message; ids derived from the messageId make an event
    // resent in a differently made-up batch count once in ClickHouse.
    eventIds: 'fromMessageId',
    ...(caller.clientIp ? { clientIp: caller.clientIp } : {}),
  };
}

/** Runs intake, turning a request it refuses as a whole into the gateway's answer (400 or 413). */
function intake(run: () => IntakeResult): IntakeResult {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof IntakeRequestError)) throw error;
    if (error.status === 413) throw new PayloadTooLargeException(error.message);
    throw DomainException.invalid(error.errors);
  }
}
