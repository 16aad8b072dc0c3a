import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import type { FastifyRequest } from 'fastify';
import { TokenExpiredError } from 'jsonwebtoken';
import { presentedApiKey } from '../api-keys/api-key-credential';
import { ACCEPTS_API_KEY } from '../api-keys/api-key.decorators';
import type { AuthUser } from './auth-user';
import { USER_JWT_STRATEGY } from './jwt.strategy';
import { IS_PUBLIC } from './public.decorator';
import { SessionGate } from './session-gate';

const API_KEY_PREFIX = 'nsk_';

function unauthenticated(message: string): DomainException {
  return new DomainException(BusErrorCode.Unauthenticated, message);
}

/**
 * Applied to every route (APP_GUARD): a user's valid access token is required unless the route or its
 * controller is marked @Public(). Closed by default, so a new route cannot be exposed by omission. A
 * token whose session has been revoked since it was issued is refused (SessionGate).
 */
@Injectable()
export class UserAuthGuard extends AuthGuard(USER_JWT_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionGate,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // A route that takes a user or an API key: a request presenting a key is the key guard's to check.
    const acceptsKey = this.reflector.getAllAndOverride<boolean | undefined>(ACCEPTS_API_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (acceptsKey && presentedApiKey(request.headers).kind !== 'none') return true;
    const authorization = request.headers.authorization;
    if (!authorization) {
      throw unauthenticated('Authentication required: send Authorization: Bearer <access token>');
    }
    const [scheme, credential] = authorization.split(' ');
    if (scheme?.toLowerCase() === 'bearer' && credential?.startsWith(API_KEY_PREFIX)) {
      throw unauthenticated('This route needs a signed-in user; API keys are not accepted here');
    }
    await (super.canActivate(context) as Promise<boolean>);
    const user = (request as FastifyRequest & { user?: AuthUser }).user;
    if (!user) throw unauthenticated('The access token is invalid');
    await this.sessions.assertActive(user);
    return true;
  }

  override handleRequest<TUser = AuthUser>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (error || !user) {
      throw unauthenticated(
        info instanceof TokenExpiredError
          ? 'The access token has expired; refresh it at /v1/auth/refresh'
          : 'The access token is invalid',
      );
    }
    return user;
  }
}
