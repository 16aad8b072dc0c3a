import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-strategy';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import type { AuthenticatedKey } from './key-verifier';

export const API_KEY_STRATEGY = 'api-key';

type Verify = (request: unknown, done: (error: unknown, key?: AuthenticatedKey | false) => void) => void;

/** A passport strategy that hands the whole request to a verify callback. */
class RequestStrategy extends Strategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: unknown): void {
    this.verify(request, (error, key) => {
      if (error) this.error(error instanceof Error ? error : new Error(String(error)));
      else if (key) this.success(key);
      else this.fail(401);
    });
  }
}

/** Passport's `api-key` strategy: `Authorization: Bearer nsk_…`, `X-Api-Key`, or Basic `nsk_…:`. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(RequestStrategy, API_KEY_STRATEGY) {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {
    super();
  }

  validate(request: FastifyRequest): Promise<AuthenticatedKey> {
    return this.authenticator.authenticate(request);
  }
}
