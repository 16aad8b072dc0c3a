/**
 * Error codes that cross the bus. The gateway maps each one to an HTTP status in exactly one place;
 * add a code here and the compiler points at that mapping.
 */
export enum BusErrorCode {
  ValidationFailed = 'validation_failed',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  Unprocessable = 'unprocessable',
  RateLimited = 'rate_limited',
  Unavailable = 'unavailable',
  Internal = 'internal',
}

/** One invalid field of a request. `field` is a dotted path (`nativeCurrency.symbol`). */
export interface FieldError {
  field: string;
  message: string;
}

/** The payload a service answers with instead of a response when a request fails. */
export interface BusErrorPayload {
  code: BusErrorCode;
  message: string;
  /** Per-field problems, for `validation_failed`. */
  errors?: FieldError[];
  /** Seconds until a retry makes sense, for `rate_limited` and `unavailable`. */
  retryAfterSeconds?: number;
  /** Correlates an `internal` error with the service log; the detail stays in the log. */
  errorId?: string;
  /**
   * A problem type more precise than the code's (its slug, e.g. `email-not-verified`), for the
   * gateway's problem+json `type`; the status stays the code's.
   */
  problem?: string;
  /** For `plan-limit`: the plan's limit that refused the request (`maxProjects`, `maxMembers`, `maxKeys`). */
  limit?: string;
}

const codes = new Set<string>(Object.values(BusErrorCode));

export function isBusErrorPayload(value: unknown): value is BusErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BusErrorPayload).code === 'string' &&
    codes.has((value as BusErrorPayload).code) &&
    typeof (value as BusErrorPayload).message === 'string'
  );
}

/**
 * A failure the domain expects (not found, conflict, forbidden...). Services throw it; the bus carries
 * its payload; the gateway's bus client rethrows it on the caller's side.
 */
export class DomainException extends Error {
  constructor(
    readonly code: BusErrorCode,
    message: string,
    readonly extra: Omit<BusErrorPayload, 'code' | 'message'> = {},
  ) {
    super(message);
    this.name = 'DomainException';
  }

  toPayload(): BusErrorPayload {
    return { code: this.code, message: this.message, ...this.extra };
  }

  static fromPayload(payload: BusErrorPayload): DomainException {
    const { code, message, ...extra } = payload;
    return new DomainException(code, message, extra);
  }

  static notFound(what: string): DomainException {
    return new DomainException(BusErrorCode.NotFound, `${what} not found`);
  }

  static conflict(message: string): DomainException {
    return new DomainException(BusErrorCode.Conflict, message);
  }

  static forbidden(message = 'You are not allowed to do this'): DomainException {
    return new DomainException(BusErrorCode.Forbidden, message);
  }

  static invalid(errors: FieldError[], message = 'The request is invalid'): DomainException {
    return new DomainException(BusErrorCode.ValidationFailed, message, { errors });
  }
}
