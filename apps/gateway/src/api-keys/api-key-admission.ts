import { Injectable } from '@nestjs/common';
import { BusErrorCode, DomainException, type KeyScope } from '@northstar/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BODY_WRITE_KEY_PROPERTY } from './api-key-credential';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import type { AuthenticatedKey } from './key-verifier';
import { RateLimiter } from './rate-limiter';
import { UsageRecorder } from './usage-recorder';

/** Where the authenticated key is put on the request (the user of a JWT stays on `request.user`). */
export const API_KEY_REQUEST_PROPERTY = 'apiKey';

export type KeyAuthenticatedRequest = FastifyRequest & {
  [API_KEY_REQUEST_PROPERTY]?: AuthenticatedKey;
  [BODY_WRITE_KEY_PROPERTY]?: unknown;
};

export interface AdmissionRule {
  /** Scopes the key must have (403 otherwise). */
  scopes: readonly KeyScope[];
  /** Whether the JSON body's `writeKey` may carry the key (Segment's browser libraries). */
  writeKeyInBody: boolean;
  /** What the request spends of the key's rate limit (the ingestion routes: its events); 1 if absent. */
  cost?: (body: unknown) => number;
  /**
   * The route's CORS is open to any origin (the ingestion routes): for a key with allowedOrigins the
   * answer names the request's origin instead of `*`, so that browsers read it from those origins only.
   */
  keyCors?: boolean;
}

/**
 * What a key-authenticated route asks of its caller, in order: a valid key (ApiKeyAuthenticator;
 * 401 with WWW-Authenticate), the key's own rate limit (shared by every gateway through Redis; 429
 * with Retry-After and RateLimit-* headers), the route's scopes (403); the request then counts toward
 * the key's usage. One implementation for ApiKeyGuard and for the ingestion routes, which Fastify
 * serves without Nest's pipeline (ingest-fast-path.ts).
 */
@Injectable()
export class ApiKeyAdmission {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly limiter: RateLimiter,
    private readonly usage: UsageRecorder,
  ) {}

  /** Admits the request or throws the DomainException to answer; puts the key on the request. */
  async admit(
    request: KeyAuthenticatedRequest,
    reply: FastifyReply,
    rule: AdmissionRule,
  ): Promise<AuthenticatedKey> {
    if (rule.writeKeyInBody) request[BODY_WRITE_KEY_PROPERTY] = writeKeyOf(request.body);
    let key: AuthenticatedKey;
    try {
      key = await this.authenticator.authenticate(request);
    } catch (error) {
      if (error instanceof DomainException && error.code === BusErrorCode.Unauthenticated) {
        void reply.header('www-authenticate', 'Bearer realm="northstar", error="invalid_token"');
      }
      throw error;
    }
    request[API_KEY_REQUEST_PROPERTY] = key;
    // Before the rate limit: requests from where the key may not be used spend nothing of it.
    admitWhere(key, request, reply, rule.keyCors === true);

    if (key.rateLimit) {
      const { limit, windowSeconds } = key.rateLimit;
      const cost = rule.cost?.(request.body) ?? 1;
      const decision = await this.limiter.take(`gateway:key-rate:${key.keyId}`, limit, windowSeconds, cost);
      if (decision) {
        void reply
          .header('ratelimit-limit', String(decision.limit))
          .header('ratelimit-remaining', String(decision.remaining))
          .header('ratelimit-reset', String(decision.resetSeconds));
        if (!decision.allowed) {
          throw new DomainException(
            BusErrorCode.RateLimited,
            `The API key's rate limit of ${limit} ${rule.cost ? 'events' : 'requests'} per ${windowSeconds} s is reached`,
            { retryAfterSeconds: decision.retryAfterSeconds },
          );
        }
      }
    }
    this.usage.record(key.keyId);

    const missing = rule.scopes.filter((scope) => !key.scopes.includes(scope));
    if (missing.length > 0) {
      throw DomainException.forbidden(
        `The API key lacks the scope ${missing.join(', ')} this route requires`,
      );
    }
    return key;
  }
}

/**
 * The key's origin and address allowlists. A key with allowedOrigins is a browser key: a request
 * without `Origin` is refused too, since anything but a browser can send any Origin it likes, and a
 * request without one is most likely the key copied out of a page into a script.
 */
function admitWhere(
  key: AuthenticatedKey,
  request: FastifyRequest,
  reply: FastifyReply,
  keyCors: boolean,
): void {
  const { origins, ips } = key.rules;
  if (origins) {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !origins.allows(origin)) {
      // The refusal is not readable by the page that made the request either. The app's CORS hook
      // sets the header on the raw response, not on the reply.
      if (keyCors) {
        void reply.removeHeader('access-control-allow-origin');
        reply.raw.removeHeader('access-control-allow-origin');
      }
      throw keyRefusal(
        'key-origin-not-allowed',
        typeof origin === 'string'
          ? `The API key may not be used from the origin ${origin}`
          : 'The API key may only be used from its allowed origins, and the request has no Origin header',
      );
    }
    if (keyCors) {
      const vary = reply.getHeader('vary');
      void reply
        .header('access-control-allow-origin', origin)
        .header('vary', vary === undefined || vary === '' ? 'Origin' : `${String(vary)}, Origin`);
    }
  }
  if (ips && !ips.allows(request.ip)) {
    throw keyRefusal('key-ip-not-allowed', `The API key may not be used from the address ${request.ip}`);
  }
}

/** A 403 whose problem type says which allowlist refused the request. */
export function keyRefusal(problem: KeyRuleProblem, message: string): DomainException {
  return new DomainException(BusErrorCode.Forbidden, message, { problem });
}

export type KeyRuleProblem = 'key-origin-not-allowed' | 'key-ip-not-allowed' | 'key-chain-not-allowed';

function writeKeyOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)['writeKey']
    : undefined;
}
