import {
  applyDecorators,
  createParamDecorator,
  Injectable,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { BusErrorCode, DomainException, type AnalyticsCaller, type KeyScope } from '@northstar/contracts';
import type { FastifyRequest } from 'fastify';
import { presentedApiKey } from '../api-keys/api-key-credential';
import { ACCEPTS_API_KEY } from '../api-keys/api-key.decorators';
import {
  API_KEY_REQUEST_PROPERTY,
  ApiKeyGuard,
  REQUIRED_SCOPES,
  type KeyAuthenticatedRequest,
} from '../api-keys/api-key.guard';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { ApiProblemResponses } from '../http/api-problem.decorator';

/**
 * Runs the API-key guard when the request presents a key; otherwise the users' JWT guard (global)
 * has already authenticated the user.
 */
@Injectable()
export class KeyWhenPresentedGuard implements CanActivate {
  constructor(private readonly keys: ApiKeyGuard) {}

  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (presentedApiKey(request.headers).kind === 'none') return true;
    return this.keys.canActivate(context);
  }
}

/** The route takes a signed-in user's token or an API key with these scopes (403 without them). */
export function UserOrKey(...scopes: KeyScope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCEPTS_API_KEY, true),
    SetMetadata(REQUIRED_SCOPES, scopes),
    UseGuards(KeyWhenPresentedGuard),
    ApiBearerAuth('user'),
    ApiSecurity('apiKey'),
    ApiProblemResponses(401, 403),
  );
}

/** Who calls, as the analytics service takes it: the user, or the key the request was made with. */
export const CurrentAnalyticsCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AnalyticsCaller => {
    const request = context.switchToHttp().getRequest<KeyAuthenticatedRequest & { user?: AuthUser }>();
    const key = request[API_KEY_REQUEST_PROPERTY];
    if (key) return { key: { keyId: key.keyId, projectId: key.projectId } };
    if (request.user) return { actor: actorOf(request.user) };
    throw new DomainException(BusErrorCode.Unauthenticated, 'Authentication required');
  },
);
