import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { BusErrorCode, DomainException, type KeyScope } from '@northstar/contracts';
import { Public } from '../auth/public.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import {
  API_KEY_REQUEST_PROPERTY,
  ApiKeyGuard,
  KEY_RATE_COST,
  REQUIRED_SCOPES,
  WRITE_KEY_IN_BODY,
  type KeyAuthenticatedRequest,
} from './api-key.guard';
import { ApiKeySecuritySchemes } from './api-key.openapi';
import type { AuthenticatedKey } from './key-verifier';

/** Marks a route (or controller) that takes API keys. */
export const ACCEPTS_API_KEY = 'northstar:accepts-api-key';

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };
const integer = { schema: { type: 'integer' } };

/** The 403 answers of a key-authenticated route, by problem type. */
export const KEY_FORBIDDEN =
  'The key may not be used here. `type` says why: `forbidden`, the key lacks a scope the route ' +
  'requires; `key-origin-not-allowed`, the key has allowedOrigins and the request has another `Origin` ' +
  "or none; `key-ip-not-allowed`, the client address is outside the key's allowedIps.";

/**
 * The route is called with an API key instead of a user's token: `Authorization: Bearer nsk_…`,
 * `X-Api-Key: nsk_…`, or HTTP Basic with the key as user name and an empty password. It is public as
 * far as the users' JWT guard is concerned; ApiKeyGuard authenticates it.
 */
export function KeyAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    Public(),
    SetMetadata(ACCEPTS_API_KEY, true),
    UseGuards(ApiKeyGuard),
    // Alternatives: any one of them authenticates.
    ApiSecurity(ApiKeySecuritySchemes.header),
    ApiSecurity(ApiKeySecuritySchemes.bearer),
    ApiSecurity(ApiKeySecuritySchemes.basic),
    ApiProblemResponses(401),
    ApiResponse({
      status: 403,
      description: KEY_FORBIDDEN,
      content: problem,
    }),
    ApiResponse({
      status: 429,
      description:
        "The key's rate limit is reached, or this address sent too many requests without a valid key",
      headers: {
        'Retry-After': { description: 'Seconds until a request will be accepted', ...integer },
        'RateLimit-Limit': { description: "The key's limit per window", ...integer },
        'RateLimit-Remaining': { description: 'Requests left now', ...integer },
        'RateLimit-Reset': { description: 'Seconds until the full limit is available again', ...integer },
      },
      content: problem,
    }),
  );
}

/** Key authentication, and the key must have every one of these scopes (403 otherwise). */
export function RequireScopes(...scopes: KeyScope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(KeyAuth(), SetMetadata(REQUIRED_SCOPES, scopes));
}

/**
 * The route also takes the key as `writeKey` in its JSON body, as Segment's browser libraries send it
 * (to avoid a CORS preflight they send no Authorization header). Use with KeyAuth / RequireScopes.
 */
export function AcceptWriteKeyInBody(): MethodDecorator & ClassDecorator {
  return SetMetadata(WRITE_KEY_IN_BODY, true);
}

/**
 * The request spends `cost(body)` of the key's rate limit rather than one (a batch: one per item it
 * carries), as the event ingestion routes do.
 */
export function KeyRateCost(cost: (body: unknown) => number): MethodDecorator & ClassDecorator {
  return SetMetadata(KEY_RATE_COST, cost);
}

/** The API key the request was authenticated with: its id, organisation, project and scopes. */
export const CurrentKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedKey => {
    const key = context.switchToHttp().getRequest<KeyAuthenticatedRequest>()[API_KEY_REQUEST_PROPERTY];
    if (!key) throw new DomainException(BusErrorCode.Unauthenticated, 'An API key is required');
    return key;
  },
);
