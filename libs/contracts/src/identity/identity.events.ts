import type { DomainEvent } from '../rpc';

/**
 * Durable domain events of identity (JetStream, see DurableEventPublisher): notifications turns them
 * into emails. They carry the plaintext single-use token because the email must contain it; the
 * token exists nowhere else in plaintext (identity stores only its hash) and the bus is internal.
 */
export const IdentityEvents = {
  userRegistered: 'identity.user.registered',
  passwordResetRequested: 'identity.password_reset.requested',
} as const;

export interface UserRegisteredEvent {
  userId: string;
  email: string;
  name: string;
  /** Email verification token, plaintext, single use. */
  verificationToken: string;
  /** ISO time after which the token no longer verifies. */
  expiresAt: string;
}

export interface PasswordResetRequestedEvent {
  userId: string;
  email: string;
  name: string;
  /** Password reset token, plaintext, single use, valid 1 hour. */
  resetToken: string;
  expiresAt: string;
}

/**
 * Broadcasts of identity (core NATS, no queue group: every gateway replica gets each one). Sessions
 * that end are named so that gateways refuse their access tokens at once rather than when they expire;
 * a gateway that misses one still re-validates each session it accepts every SESSION_RECHECK_SECONDS.
 */
export const IdentityBroadcasts = {
  sessionsRevoked: 'identity.sessions.revoked',
} as const;

export type SessionRevocationReason =
  'logout' | 'session_deleted' | 'refresh_token_reuse' | 'password_reset' | 'password_changed';

export interface SessionsRevokedEvent {
  userId: string;
  /** The sessions that just ended; only those that could still have live access tokens. */
  sessionIds: string[];
  reason: SessionRevocationReason;
  revokedAt: string;
}

export interface IdentityBroadcastsContract {
  [IdentityBroadcasts.sessionsRevoked]: DomainEvent<SessionsRevokedEvent>;
}

export interface IdentityDurableEventsContract {
  [IdentityEvents.userRegistered]: DomainEvent<UserRegisteredEvent>;
  [IdentityEvents.passwordResetRequested]: DomainEvent<PasswordResetRequestedEvent>;
}

/** The claims of an access JWT: identity signs them, the gateway verifies them without a bus call. */
export interface AccessTokenClaims {
  /** The user id. */
  sub: string;
  /** Platform role, from NORTHSTAR_ADMIN_EMAILS at login/refresh time. */
  role: 'user' | 'admin';
  /** The session (refresh token family) this token belongs to. */
  sid: string;
  email: string;
}
