import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ErrorCode, headers, NatsError, type NatsConnection } from 'nats';
import {
  BusErrorCode,
  DomainException,
  isBusErrorPayload,
  type BusEventPayload,
  type BusEventSubject,
  type BusRequest,
  type BusResponse,
  type BusSubject,
} from '@northstar/contracts';
import { CALLER_HEADER, type BusSigner } from './caller-assertion';
import { decodeReply, encodeSignedPacket } from './nats-codec';
import { currentRequestId, REQUEST_ID_HEADER } from '@northstar/observability';

export interface SendOptions {
  /** How long to wait for the reply; the default comes from the client's configuration. */
  timeoutMs?: number;
}

/**
 * The typed client of the bus contract: `send(ChainsSubjects.list, query)` only compiles with the
 * request type of that subject, and resolves with its response type. Failures always surface as a
 * DomainException: the callee's own error, or `unavailable` when nobody answers in time. Every
 * message carries the sending process's caller assertion (BusSigner) over its subject and payload.
 */
export class BusClient {
  private readonly logger = new Logger(BusClient.name);

  constructor(
    private readonly connection: NatsConnection,
    private readonly defaultTimeoutMs: number,
    private readonly signer: BusSigner,
  ) {}

  async send<S extends BusSubject>(
    subject: S,
    request: BusRequest<S>,
    options: SendOptions = {},
  ): Promise<BusResponse<S>> {
    const timeout = options.timeoutMs ?? this.defaultTimeoutMs;
    const { packet, data } = encodeSignedPacket(subject, request, randomUUID());
    const h = this.headers();
    h.set(CALLER_HEADER, this.signer.sign('request', subject, data));
    let replyData: Uint8Array;
    try {
      const reply = await this.connection.request(subject, packet, { timeout, headers: h });
      replyData = reply.data;
    } catch (error) {
      throw this.transportError(subject, error);
    }
    const reply = decodeReply(replyData);
    if (reply.err !== undefined && reply.err !== null) {
      if (isBusErrorPayload(reply.err)) throw DomainException.fromPayload(reply.err);
      this.logger.error(`Unexpected error payload from ${subject}: ${JSON.stringify(reply.err)}`);
      throw new DomainException(BusErrorCode.Internal, 'The service answered with an unexpected error');
    }
    return reply.response as BusResponse<S>;
  }

  /** Publishes a domain event; delivery is best-effort (core NATS), listeners must be idempotent. */
  emit<E extends BusEventSubject>(subject: E, payload: BusEventPayload<E>): void {
    const { packet, data } = encodeSignedPacket(subject, payload);
    const h = this.headers();
    h.set(CALLER_HEADER, this.signer.sign('event', subject, data));
    this.connection.publish(subject, packet, { headers: h });
  }

  private headers() {
    const h = headers();
    h.set(REQUEST_ID_HEADER, currentRequestId() ?? randomUUID());
    return h;
  }

  private transportError(subject: string, error: unknown): DomainException {
    const service = subject.split('.')[0];
    if (error instanceof NatsError && error.code === ErrorCode.NoResponders) {
      return new DomainException(BusErrorCode.Unavailable, `The ${service} service is unavailable`, {
        retryAfterSeconds: 5,
      });
    }
    if (error instanceof NatsError && error.code === ErrorCode.Timeout) {
      return new DomainException(BusErrorCode.Unavailable, `The ${service} service did not answer in time`, {
        retryAfterSeconds: 5,
      });
    }
    this.logger.error(`Bus request on ${subject} failed: ${String(error)}`);
    return new DomainException(BusErrorCode.Unavailable, 'The message bus is unavailable', {
      retryAfterSeconds: 5,
    });
  }
}
