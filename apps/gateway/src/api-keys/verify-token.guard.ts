import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerTokenOf, VerifyTokens } from './verify-tokens';

/** Admits the operator's RPC proxies only: `Authorization: Bearer <one of VERIFY_TOKENS>`, else 401. */
@Injectable()
export class VerifyTokenGuard implements CanActivate {
  constructor(private readonly tokens: VerifyTokens) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (this.tokens.accepts(bearerTokenOf(request.headers.authorization))) return true;
    void http
      .getResponse<FastifyReply>()
      .header('www-authenticate', 'Bearer realm="northstar-verify", error="invalid_token"');
    throw new DomainException(
      BusErrorCode.Unauthenticated,
      "A service token of the operator's RPC proxy is required: Authorization: Bearer <token>",
    );
  }
}
