import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The NATS header that carries a message's caller assertion. */
export const CALLER_HEADER = 'Northstar-Caller';

/**
 * What an assertion vouches for. The kinds are part of the signed text, so that a signature taken
 * from one kind of message cannot be replayed as another (a durable event's never expires, a
 * request's does).
 */
export type AssertedKind = 'request' | 'event' | 'durable';

/** The sender a valid assertion names: one of the platform's processes. */
export interface AssertedCaller {
  service: string;
}

/** Why a message's assertion was refused; said in logs, never to the sender. */
export class CallerAssertionError extends Error {
  override readonly name = 'CallerAssertionError';
}

const VERSION = 'v1';
/** Longer than any bus timeout plus the clock skew between machines, short enough to make a capture stale. */
export const REQUEST_ASSERTION_TTL_MS = 60_000;
// No dots: they separate the assertion's parts.
const SERVICE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Signs and verifies caller assertions on the bus: an HMAC-SHA256, keyed from BUS_SIGNING_KEY, over
 * the kind, the sending process, an expiry, the subject and the exact payload. A NATS client without
 * the key can neither act as a user or a service nor alter a signed message's actor, ids or body.
 *
 * One key is shared by the platform's processes, so the service named in an assertion is only as
 * trustworthy as each process holding the key; in production NATS credentials with per-service
 * subject permissions (deploy/nats) keep each service to the subjects it is meant to use.
 */
export class BusSigner {
  private readonly key: Buffer;

  constructor(
    secret: string,
    /** The process signing with this signer: a service name or `gateway`. */
    readonly service: string,
    private readonly now: () => number = Date.now,
  ) {
    if (!SERVICE_NAME.test(service)) throw new Error(`Not a service name: "${service}"`);
    this.key = Buffer.from(hkdfSync('sha256', secret, '', 'northstar bus caller assertions', 32));
  }

  /** The header value for a message on `subject` with this payload. */
  sign(kind: AssertedKind, subject: string, payload: string | Uint8Array): string {
    const expires = kind === 'request' ? this.now() + REQUEST_ASSERTION_TTL_MS : 0;
    return `${VERSION}.${this.service}.${expires}.${this.mac(kind, this.service, expires, subject, payload)}`;
  }

  /** The caller named by a valid assertion; throws CallerAssertionError otherwise. */
  verify(
    kind: AssertedKind,
    header: string | undefined,
    subject: string,
    payload: string | Uint8Array,
  ): AssertedCaller {
    if (!header) throw new CallerAssertionError('no caller assertion');
    const [version, service, expiresText, signature, extra] = header.split('.');
    if (version !== VERSION || extra !== undefined || !service || !expiresText || !signature) {
      throw new CallerAssertionError('malformed caller assertion');
    }
    if (!SERVICE_NAME.test(service) || !/^\d{1,16}$/.test(expiresText)) {
      throw new CallerAssertionError('malformed caller assertion');
    }
    const expires = Number(expiresText);
    if (kind === 'request' ? expires < this.now() : expires !== 0) {
      throw new CallerAssertionError('expired caller assertion');
    }
    const expected = Buffer.from(this.mac(kind, service, expires, subject, payload), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new CallerAssertionError('caller assertion with a wrong signature');
    }
    return { service };
  }

  private mac(
    kind: AssertedKind,
    service: string,
    expires: number,
    subject: string,
    payload: string | Uint8Array,
  ): string {
    return createHmac('sha256', this.key)
      .update(`${VERSION}\n${kind}\n${service}\n${expires}\n${subject}\n`)
      .update(payload)
      .digest('base64url');
  }
}
