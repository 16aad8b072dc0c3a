import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NatsContext } from '@nestjs/microservices';
import { PATTERN_HANDLER_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { BusSigner, CALLER_HEADER, CallerAssertionError, type AssertedCaller } from './caller-assertion';

/** The process that alone builds key callers: from a key it authenticated itself. */
const KEY_CALLER_ISSUER = 'gateway';

interface ClaimedCaller {
  caller?: { service?: { name?: unknown }; key?: unknown };
}

/**
 * Applied to every bus handler of a service (a global guard of its microservice): the message must
 * carry a valid caller assertion (BusSigner) over its subject and payload, and what the payload
 * claims about its caller must fit the process that signed it: a `service` caller is the signing
 * service itself, a `key` caller comes from the gateway. An actor (a user) may come from any of the
 * platform's processes, as services forward the actor of the request they are serving.
 */
@Injectable()
export class BusCallerGuard implements CanActivate {
  private readonly logger = new Logger('BusCaller');

  constructor(
    private readonly signer: BusSigner,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rpc = context.switchToRpc();
    const nats = rpc.getContext<NatsContext>();
    const subject = nats.getSubject();
    const data: unknown = rpc.getData();
    const kind =
      this.reflector.get<PatternHandler | undefined>(PATTERN_HANDLER_METADATA, context.getHandler()) ===
      PatternHandler.EVENT
        ? 'event'
        : 'request';
    const headers = nats.getHeaders() as { get(name: string): string } | undefined;
    try {
      const asserted = this.signer.verify(
        kind,
        headers?.get(CALLER_HEADER) || undefined,
        subject,
        JSON.stringify(data) ?? 'null',
      );
      assertClaimsFit(asserted, data);
      return true;
    } catch (error) {
      if (!(error instanceof CallerAssertionError)) throw error;
      // The sender is not a platform process (or a misconfigured one): say why in the log only.
      this.logger.warn(`Refused a ${kind} on ${subject}: ${error.message}`);
      throw new DomainException(
        BusErrorCode.Unauthenticated,
        'The message carries no valid caller assertion',
      );
    }
  }
}

function assertClaimsFit(asserted: AssertedCaller, data: unknown): void {
  const claimed = typeof data === 'object' && data !== null ? (data as ClaimedCaller).caller : undefined;
  if (typeof claimed !== 'object' || claimed === null) return;
  if (claimed.service !== undefined && claimed.service?.name !== asserted.service) {
    throw new CallerAssertionError(
      `${asserted.service} claimed to be service ${String(claimed.service?.name)}`,
    );
  }
  if (claimed.key !== undefined && asserted.service !== KEY_CALLER_ISSUER) {
    throw new CallerAssertionError(`${asserted.service} claimed an API key caller`);
  }
}
