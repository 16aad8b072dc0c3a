import { Injectable, Logger } from '@nestjs/common';
import { ACCESS_TOKEN, BusErrorCode, DomainException, IdentitySubjects } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { LRUCache } from 'lru-cache';
import type { AuthUser } from './auth-user';
import { RevokedSessions } from './revoked-sessions';

/** Clocks of identity and the gateways may disagree this much without a revoked token slipping by. */
const CLOCK_ALLOWANCE_MS = 60_000;
const MAX_REVOKED_SESSIONS = 1_000_000;
const MAX_CHECKED_SESSIONS = 200_000;

export interface SessionGateSettings {
  /** How long a session confirmed active by identity is trusted without asking again. */
  recheckSeconds: number;
}

export function sessionEnded(): DomainException {
  return new DomainException(
    BusErrorCode.Unauthenticated,
    'The session of this access token has ended; sign in again',
  );
}

/**
 * Whether an access token's session still stands. The JWT alone says only that identity issued it;
 * a session revoked since (logout, a deleted session, a password reset or change, refresh-token reuse)
 * must end its tokens on every gateway at once. Two mechanisms:
 *
 * - identity broadcasts every revocation (`identity.sessions.revoked`) and each gateway remembers the
 *   sessions named for as long as their tokens could live, refusing them with 401 at once;
 * - each gateway asks identity (`identity.session.status`, a primary-key read) about a session when
 *   it last confirmed it more than `recheckSeconds` ago, so a missed broadcast (a gateway that was
 *   disconnected or started late) keeps a revoked session alive for that long at most.
 *
 * Between re-validations the hot path costs two in-memory lookups. When identity cannot be asked, the
 * request is refused with 503 rather than let through: the bound would not hold otherwise.
 */
@Injectable()
export class SessionGate {
  private readonly logger = new Logger(SessionGate.name);
  private readonly revoked = new RevokedSessions(
    ACCESS_TOKEN.ttlSeconds * 1000 + CLOCK_ALLOWANCE_MS,
    MAX_REVOKED_SESSIONS,
  );
  /** sessionId → the user identity confirmed it belongs to, while the confirmation is fresh. */
  private readonly confirmed: LRUCache<string, string>;
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(
    settings: SessionGateSettings,
    private readonly bus: BusClient,
  ) {
    this.confirmed = new LRUCache<string, string>({
      max: MAX_CHECKED_SESSIONS,
      ttl: settings.recheckSeconds * 1000,
      // Never extended by use: a session in constant use is re-validated as often as any other.
      updateAgeOnGet: false,
      updateAgeOnHas: false,
    });
  }

  /** Throws 401 when the token's session has ended, 503 when that cannot be told. */
  async assertActive(user: AuthUser): Promise<void> {
    const { sessionId } = user;
    if (this.revoked.has(sessionId, Date.now())) throw sessionEnded();
    if (this.confirmed.get(sessionId) === user.userId) return;
    const active = await this.ask(user);
    // A broadcast heard while identity was being asked wins over an answer given before it.
    if (this.revoked.has(sessionId, Date.now())) throw sessionEnded();
    if (!active) {
      this.revoked.add([sessionId], Date.now());
      throw sessionEnded();
    }
  }

  /** The sessions identity announced as revoked: refused from now on. */
  revoke(sessionIds: readonly string[]): void {
    this.revoked.add(sessionIds, Date.now());
    for (const sessionId of sessionIds) this.confirmed.delete(sessionId);
  }

  /** Every session is re-validated at its next request (broadcasts may have been missed). */
  forgetConfirmations(): void {
    this.confirmed.clear();
  }

  // One question per session at a time, however many of its requests arrive meanwhile.
  private ask(user: AuthUser): Promise<boolean> {
    let pending = this.asking.get(user.sessionId);
    if (!pending) {
      pending = this.fetch(user).finally(() => this.asking.delete(user.sessionId));
      this.asking.set(user.sessionId, pending);
    }
    return pending;
  }

  private async fetch(user: AuthUser): Promise<boolean> {
    let active: boolean;
    try {
      ({ active } = await this.bus.send(IdentitySubjects.sessionStatus, {
        userId: user.userId,
        sessionId: user.sessionId,
      }));
    } catch (error) {
      // Identity refusing the question itself (ids that are not its own kind) means no such session.
      if (error instanceof DomainException && error.code === BusErrorCode.ValidationFailed) return false;
      this.logger.warn(`Session ${user.sessionId} could not be re-validated: ${String(error)}`);
      throw new DomainException(
        BusErrorCode.Unavailable,
        'The session could not be verified just now; try again shortly',
        { retryAfterSeconds: 5 },
      );
    }
    if (active) this.confirmed.set(user.sessionId, user.userId);
    return active;
  }
}
