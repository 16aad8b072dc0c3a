import { assertNever, BusErrorCode, type FieldError } from '@northstar/contracts';

/** RFC 9457 problem details, as every error of the public API is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  requestId: string;
  errorId?: string;
  /** Type `plan-limit`: the plan's limit that refused the request (an RFC 9457 extension member). */
  limit?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
const PROBLEM_BASE = 'https://northstar.dev/problems/';

interface ProblemKind {
  status: number;
  slug: string;
  title: string;
}

function kind(status: number, slug: string, title: string): ProblemKind {
  return { status, slug, title };
}

/** The one mapping from bus error codes to HTTP. Exhaustive: a new code does not compile until mapped. */
export function problemKindForCode(code: BusErrorCode): ProblemKind {
  switch (code) {
    case BusErrorCode.ValidationFailed:
      return kind(400, 'validation-failed', 'Your request is invalid');
    case BusErrorCode.Unauthenticated:
      return kind(401, 'unauthenticated', 'Authentication required');
    case BusErrorCode.Forbidden:
      return kind(403, 'forbidden', 'Not allowed');
    case BusErrorCode.NotFound:
      return kind(404, 'not-found', 'Not found');
    case BusErrorCode.Conflict:
      return kind(409, 'conflict', 'Conflict');
    case BusErrorCode.Unprocessable:
      return kind(422, 'unprocessable', 'The request cannot be processed');
    case BusErrorCode.RateLimited:
      return kind(429, 'rate-limited', 'Too many requests');
    case BusErrorCode.Unavailable:
      return kind(503, 'unavailable', 'Service unavailable');
    case BusErrorCode.Internal:
      return kind(500, 'internal', 'Internal error');
    default:
      return assertNever(code, 'error code');
  }
}

const STATUS_KINDS: Record<number, ProblemKind> = {
  400: kind(400, 'bad-request', 'Bad request'),
  401: kind(401, 'unauthenticated', 'Authentication required'),
  403: kind(403, 'forbidden', 'Not allowed'),
  404: kind(404, 'not-found', 'Not found'),
  405: kind(405, 'method-not-allowed', 'Method not allowed'),
  406: kind(406, 'not-acceptable', 'Not acceptable'),
  409: kind(409, 'conflict', 'Conflict'),
  413: kind(413, 'payload-too-large', 'Request body too large'),
  414: kind(414, 'uri-too-long', 'URI too long'),
  408: kind(408, 'request-timeout', 'Request timeout'),
  415: kind(415, 'unsupported-media-type', 'Unsupported media type'),
  422: kind(422, 'unprocessable', 'The request cannot be processed'),
  429: kind(429, 'rate-limited', 'Too many requests'),
  431: kind(431, 'headers-too-large', 'Request headers too large'),
  503: kind(503, 'unavailable', 'Service unavailable'),
};

/** For errors raised by the HTTP layer itself (routing, body parsing) rather than by a service. */
export function problemKindForStatus(status: number): ProblemKind {
  return (
    STATUS_KINDS[status] ??
    kind(status, status >= 500 ? 'internal' : 'bad-request', status >= 500 ? 'Internal error' : 'Bad request')
  );
}

export function problemType(slug: string): string {
  return PROBLEM_BASE + slug;
}
