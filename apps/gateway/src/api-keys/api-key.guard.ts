import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { KeyScope } from '@northstar/contracts';
import type { FastifyReply } from 'fastify';
import { ApiKeyAdmission, type KeyAuthenticatedRequest } from './api-key-admission';

export { API_KEY_REQUEST_PROPERTY, type KeyAuthenticatedRequest } from './api-key-admission';
export const REQUIRED_SCOPES = 'northstar:required-scopes';
/** Marks a route whose JSON body may carry the key as `writeKey` (Segment's browser libraries). */
export const WRITE_KEY_IN_BODY = 'northstar:write-key-in-body';
/** A route whose request spends more than one of the key's rate limit: `(body) => cost`. */
export const KEY_RATE_COST = 'northstar:key-rate-cost';

/**
 * The API-key admission (ApiKeyAdmission) of a Nest route, with the scopes and the writeKey rule
 * its decorators declare.
 *
 * It calls the authenticator itself rather than through a passport strategy: passport builds a
 * middleware and a strategy object for every request, a measurable share of an event ingestion
 * request, for nothing a key needs.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly admission: ApiKeyAdmission,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const targets = [context.getHandler(), context.getClass()];
    await this.admission.admit(http.getRequest<KeyAuthenticatedRequest>(), http.getResponse<FastifyReply>(), {
      scopes: this.reflector.getAllAndOverride<KeyScope[] | undefined>(REQUIRED_SCOPES, targets) ?? [],
      writeKeyInBody:
        this.reflector.getAllAndOverride<boolean | undefined>(WRITE_KEY_IN_BODY, targets) === true,
      cost: this.reflector.getAllAndOverride<((body: unknown) => number) | undefined>(KEY_RATE_COST, targets),
    });
    return true;
  }
}
