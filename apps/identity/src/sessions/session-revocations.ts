import { Injectable, Logger } from '@nestjs/common';
import { IdentityBroadcasts, type SessionRevocationReason } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { SessionRepository } from './session.repository';

/**
 * Ends sessions so that their access tokens stop working on every gateway at once, not when they
 * expire: each committed revocation is broadcast, and gateways refuse the sessions named. Whatever
 * revokes a session goes through here (or calls `announce` after its transaction commits).
 */
@Injectable()
export class SessionRevocations {
  private readonly logger = new Logger(SessionRevocations.name);

  constructor(
    private readonly sessions: SessionRepository,
    private readonly bus: BusClient,
  ) {}

  /** Revokes one of the user's sessions; false when it is not an active session of that user. */
  async revoke(
    userId: string,
    sessionId: string,
    reason: SessionRevocationReason,
    now = new Date(),
  ): Promise<boolean> {
    const revoked = await this.sessions.revoke(userId, sessionId, now);
    if (revoked) this.announce(userId, [sessionId], reason, now);
    return revoked;
  }

  /**
   * Tells every gateway that these sessions ended. Call only once the revocation is committed: a
   * gateway that re-validates the session right after must find it revoked too. Best effort (core
   * NATS); a gateway that misses it refuses the session at its next re-validation.
   */
  announce(userId: string, sessionIds: string[], reason: SessionRevocationReason, now = new Date()): void {
    if (sessionIds.length === 0) return;
    try {
      this.bus.emit(IdentityBroadcasts.sessionsRevoked, {
        userId,
        sessionIds,
        reason,
        revokedAt: now.toISOString(),
      });
    } catch (error) {
      // The revocation stands; the gateways' re-validation bounds how long the tokens live on.
      this.logger.error(`Session revocation of user ${userId} not broadcast: ${String(error)}`);
    }
  }

  /** Whether a gateway may go on accepting the session's access tokens. */
  isActive(userId: string, sessionId: string): Promise<boolean> {
    return this.sessions.isActive(userId, sessionId, new Date());
  }
}
