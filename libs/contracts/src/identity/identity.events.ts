import { IsString, IsUUID } from 'class-validator';
import { IsEmailAddress } from '../common/email';
import { IsSealedToken } from '../common/sealed-token';
import { IsIsoTime } from '../common/time';
import type { DomainEvent } from '../rpc';

/**
 * Durable domain events of identity (JetStream, see DurableEventPublisher): notifications turns them
 * into emails. They carry the single-use token, sealed for notifications, because the email must
 * contain it; the token exists nowhere else (identity stores only its hash).
 */

export const IdentityEvents = {
  userRegistered: 'identity.user.registered',
  passwordResetRequested: 'identity.password_reset.requested',
} as const;

/** Who an identity email goes to, and until when its link works. */
abstract class UserEmailEvent {
  @IsUUID()
  userId!: string;

  @IsEmailAddress()
  email!: string;

  @IsString()
  name!: string;

  /** ISO time after which the token no longer works. */
  @IsIsoTime()
  expiresAt!: string;
}

export class UserRegisteredEvent extends UserEmailEvent {
  /** Email verification token, sealed (EventTokenSealer), single use. */
  @IsSealedToken()
  verificationToken!: string;
}

export class PasswordResetRequestedEvent extends UserEmailEvent {
  /** Password reset token, sealed (EventTokenSealer), single use, valid 1 hour. */
  @IsSealedToken()
  resetToken!: string;
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
  | 'logout'
  | 'session_deleted'
  | 'refresh_token_reuse'
  | 'password_reset'
  | 'password_changed'
  // A provider proved the mailbox of an account whose email was never verified: its password is void.
  | 'email_claimed';

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

/** The class each listener validates an identity event against before handling it. */
export const IdentityDurableEventPayloads = {
  [IdentityEvents.userRegistered]: UserRegisteredEvent,
  [IdentityEvents.passwordResetRequested]: PasswordResetRequestedEvent,
} as const;

/** The claims of an access JWT: identity signs them, the gateway verifies them without a bus call. */
export interface AccessTokenClaims {
  /** The user id. */
  sub: string;
  /** Platform role, from NORTHSTAR_ADMIN_EMAILS at login/refresh time. */
  role: 'user' | 'admin';
  /** The session (refresh token family) this token belongs to. */
  sid: string;
  email: string;
  /**
   * The user had two-factor sign-in on when the token was minted (login or refresh). Organisations
   * that require two factors read it; absent in tokens minted before it existed (read as false).
   */
  mfa?: boolean;
  /**
   * The session was signed in through this identity provider, `oidc:<provider id>` (recorded on the
   * session, so kept at every refresh); absent for password sign-ins. Organisations that trust the
   * provider's own MFA read it.
   */
  mfaVia?: string;
}
