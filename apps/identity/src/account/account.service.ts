import { Injectable } from '@nestjs/common';
import { Transactions } from '@northstar/persistence';
import {
  BusErrorCode,
  cursorCodec,
  cursorFields,
  pageLimit,
  toPage,
  DomainException,
  IdentitySubjects,
  type ListSessionsRequest,
  type SessionListResponse,
  type SessionPrincipal,
  type UpdateMeBody,
  type UserDto,
} from '@northstar/contracts';
import { AuthThrottle } from '../auth/auth-throttle';
import { PasswordHasher } from '../security/password-hasher';
import { PlatformRoles } from '../security/platform-roles';
import type { Session } from '../sessions/session.entity';
import { SessionRevocations } from '../sessions/session-revocations';
import { SessionRepository, type SessionCursor } from '../sessions/session.repository';
import type { User } from '../users/user.entity';
import { toUserDto } from '../users/user.mapper';
import { UserRepository } from '../users/user.repository';

// Sessions are listed newest first, by creation time and then id.
const sessionsCursor = cursorCodec<SessionCursor>(IdentitySubjects.listSessions, {
  createdAt: cursorFields.time,
  id: cursorFields.uuid,
});

/** What a signed-in user does with its own account: profile, password, sessions. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly revocations: SessionRevocations,
    private readonly hasher: PasswordHasher,
    private readonly throttle: AuthThrottle,
    private readonly roles: PlatformRoles,
    private readonly transactions: Transactions,
  ) {}

  async me(principal: SessionPrincipal): Promise<UserDto> {
    const user = await this.userOf(principal);
    return toUserDto(user, this.roles.roleOf(user));
  }

  /**
   * Renames and/or changes the password. A new password needs the current one (a stolen access token
   * alone must not take the account over), counts wrong guesses like failed logins, and signs out
   * every other session.
   */
  async update(principal: SessionPrincipal, patch: UpdateMeBody): Promise<UserDto> {
    const user = await this.userOf(principal);
    if (patch.password !== undefined) {
      if (patch.currentPassword === undefined) {
        throw DomainException.invalid([
          { field: 'currentPassword', message: 'currentPassword is required to change the password' },
        ]);
      }
      await this.throttle.assertNotLocked(user.email);
      if (!(await this.hasher.verify(user.passwordHash, patch.currentPassword))) {
        await this.throttle.recordFailure(user.email);
        throw DomainException.invalid([
          { field: 'currentPassword', message: 'currentPassword is incorrect' },
        ]);
      }
      user.passwordHash = await this.hasher.hash(patch.password);
    }
    if (patch.name !== undefined) user.name = patch.name;
    const now = new Date();
    const revoked = await this.transactions.run(async () => {
      await this.users.save(user);
      return patch.password === undefined
        ? []
        : await this.sessions.revokeAll(user.id, now, principal.sessionId);
    });
    this.revocations.announce(user.id, revoked, 'password_changed', now);
    return toUserDto(user, this.roles.roleOf(user));
  }

  async listSessions(request: ListSessionsRequest): Promise<SessionListResponse> {
    const { principal } = request;
    const after = sessionsCursor.decodeOptional(request.cursor);
    const limit = pageLimit(request.limit);
    // One extra row tells whether another page follows.
    const rows = await this.sessions.listActive(principal.userId, new Date(), limit + 1, after);
    return toPage(
      rows,
      limit,
      sessionsCursor,
      (session) => ({ createdAt: session.createdAt, id: session.id }),
      (session) => toSessionDto(session, principal.sessionId),
    );
  }

  /** Someone else's session, or one that already ended, is not found: it is not in the caller's list. */
  async revokeSession(principal: SessionPrincipal, sessionId: string): Promise<void> {
    if (!(await this.revocations.revoke(principal.userId, sessionId, 'session_deleted'))) {
      throw DomainException.notFound('Session');
    }
  }

  // The access token outlives nothing but a deleted account; such a token no longer authenticates.
  private async userOf(principal: SessionPrincipal): Promise<User> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new DomainException(BusErrorCode.Unauthenticated, 'This account no longer exists');
    return user;
  }
}

function toSessionDto(session: Session, currentSessionId: string) {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  };
}
