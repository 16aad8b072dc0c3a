import { Injectable, Logger } from '@nestjs/common';
import { Outbox, OutboxRepository, Transactions } from '@northstar/persistence';
import {
  BusErrorCode,
  DomainException,
  IdentityEvents,
  type ClientContext,
  type ForgotPasswordRequest,
  type LoginRequest,
  type RegisterRequest,
  type RegisterResponse,
  type ResetPasswordRequest,
  type SignInResponse,
  type TokenPairResponse,
} from '@northstar/contracts';
import { normalizeEmail } from '../security/emails';
import { PasswordHasher } from '../security/password-hasher';
import { PlatformRoles } from '../security/platform-roles';
import { hashToken, newSecureToken } from '../security/secure-token';
import { refreshExpiry, SessionIssuer } from '../sessions/session-issuer';
import { SessionRevocations } from '../sessions/session-revocations';
import { SessionRepository } from '../sessions/session.repository';
import { UserToken, type UserTokenPurpose } from '../users/user-token.entity';
import { UserTokenRepository } from '../users/user-token.repository';
import { User } from '../users/user.entity';
import { toUserDto } from '../users/user.mapper';
import { emailTaken, UserRepository } from '../users/user.repository';
import { AuthThrottle } from './auth-throttle';
import { isSession, SignIn } from './sign-in';
import { EventTokenSealer } from '@northstar/sealing';

export const EMAIL_VERIFICATION_TTL_MS = 48 * 3600 * 1000;
export const PASSWORD_RESET_TTL_MS = 3600 * 1000;

/** One answer for an unknown email and a wrong password alike: nothing tells them apart. */
export function invalidCredentials(): DomainException {
  return new DomainException(BusErrorCode.Unauthenticated, 'The email or password is incorrect');
}

function invalidRefreshToken(): DomainException {
  return new DomainException(
    BusErrorCode.Unauthenticated,
    'The refresh token is invalid, expired or revoked',
  );
}

function invalidToken(): DomainException {
  return DomainException.invalid(
    [{ field: 'token', message: 'token is invalid, expired or already used' }],
    'The token is invalid, expired or already used',
  );
}

/** Registration, login, token refresh and the emailed-token flows. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly userTokens: UserTokenRepository,
    private readonly sessions: SessionRepository,
    private readonly issuer: SessionIssuer,
    private readonly revocations: SessionRevocations,
    private readonly hasher: PasswordHasher,
    private readonly throttle: AuthThrottle,
    private readonly roles: PlatformRoles,
    private readonly outbox: OutboxRepository,
    private readonly published: Outbox,
    private readonly transactions: Transactions,
    private readonly sealer: EventTokenSealer,
    private readonly signIn: SignIn,
  ) {}

  async register(request: RegisterRequest): Promise<RegisterResponse> {
    await this.throttle.hitIp(request.client.ip);
    const email = normalizeEmail(request.email);
    // Cheap early answer; the unique index still decides between two concurrent registrations.
    if (await this.users.findByEmail(email)) throw emailTaken();
    const user = new User();
    user.email = email;
    user.name = request.name;
    user.passwordHash = await this.hasher.hash(request.password);

    // The event is written with the user, in one transaction: a user is never stored without its
    // verification email on the way, and no event announces a user that was rolled back.
    const messageId = await this.transactions.run(async () => {
      await this.users.insert(user);
      const { token, expiresAt } = await this.issueUserToken(
        user.id,
        'verify_email',
        EMAIL_VERIFICATION_TTL_MS,
      );
      const message = this.outbox.add(IdentityEvents.userRegistered, {
        userId: user.id,
        email: user.email,
        name: user.name,
        verificationToken: this.sealer.seal(token),
        expiresAt,
      });
      await this.outbox.flush();
      return message.id;
    });
    await this.published.publishNow([messageId]);
    return { user: toUserDto(user, this.roles.roleOf(user)) };
  }

  async login(request: LoginRequest): Promise<SignInResponse> {
    await this.throttle.hitIp(request.client.ip);
    const email = normalizeEmail(request.email);
    await this.throttle.assertNotLocked(email);
    const user = await this.users.findByEmail(email);
    // Verifies against a dummy hash for an unknown email, so both failures take the same time.
    const valid = await this.hasher.verify(user?.passwordHash ?? null, request.password);
    if (!user || !valid) {
      await this.throttle.recordFailure(email);
      throw invalidCredentials();
    }
    const answer = await this.signIn.complete(user, request.client, { method: 'password' });
    // Only a finished sign-in ends the failure streak: were the password step enough, someone who
    // knows the password could clear the failed codes of the second step and keep guessing.
    if (isSession(answer)) await this.throttle.clearFailures(email);
    return answer;
  }

  /**
   * Trades a refresh token for a new pair. A token that was already traded in is evidence that it
   * leaked (or that two clients share it): the whole session is revoked, so the thief's newer token
   * dies along with the victim's.
   */
  async refresh(refreshToken: string, client: ClientContext): Promise<TokenPairResponse> {
    await this.throttle.hitIp(client.ip);
    const presented = hashToken(refreshToken);
    const now = new Date();
    const session = await this.sessions.findByRefreshTokenHash(presented);
    if (!session) {
      await this.revokeOnReuse(presented, now);
      throw invalidRefreshToken();
    }
    if (session.revokedAt !== null || session.expiresAt <= now) throw invalidRefreshToken();
    const user = await this.users.findById(session.userId);
    if (!user) throw invalidRefreshToken();

    const next = newSecureToken();
    const rotated = await this.transactions.run(() =>
      this.sessions.rotate(session, presented, {
        tokenHash: next.hash,
        expiresAt: refreshExpiry(now),
        ip: client.ip,
        now,
      }),
    );
    if (!rotated) {
      // Another request traded the same token in a moment ago: that is reuse too.
      await this.revocations.revoke(session.userId, session.id, 'refresh_token_reuse', now);
      this.logger.warn(`Concurrent use of one refresh token; session ${session.id} revoked`);
      throw invalidRefreshToken();
    }
    return { ...this.issuer.accessToken(user, session), refreshToken: next.token };
  }

  /** Revokes the session of the token, current or already traded in; unknown tokens change nothing. */
  async logout(refreshToken: string, client: ClientContext): Promise<void> {
    await this.throttle.hitIp(client.ip);
    const presented = hashToken(refreshToken);
    const session =
      (await this.sessions.findByRefreshTokenHash(presented)) ??
      (await this.sessions.findByUsedTokenHash(presented));
    if (session) await this.revocations.revoke(session.userId, session.id, 'logout');
  }

  async verifyEmail(token: string, client: ClientContext): Promise<void> {
    await this.throttle.hitIp(client.ip);
    await this.transactions.run(async () => {
      const userId = await this.userTokens.consume('verify_email', hashToken(token), new Date());
      if (!userId) throw invalidToken();
      await this.users.markEmailVerified(userId);
    });
  }

  /**
   * Always succeeds, so that nobody learns whether an account exists; only real ones get an email. The
   * answer does not wait for the token and the email either: it would take measurably longer for a
   * real account, and the difference would tell.
   */
  async forgotPassword(request: ForgotPasswordRequest): Promise<void> {
    await this.throttle.hitIp(request.client.ip);
    const email = normalizeEmail(request.email);
    const user = await this.users.findByEmail(email);
    if (!user) return;
    void this.sendResetEmail(user, email).catch((error: unknown) => {
      this.logger.error(`Password reset email for user ${user.id} not sent: ${String(error)}`);
    });
  }

  private async sendResetEmail(user: User, email: string): Promise<void> {
    if (!(await this.throttle.allowResetEmail(email))) {
      this.logger.warn(`Password reset emails for user ${user.id} over the hourly limit; not sending`);
      return;
    }
    const messageId = await this.transactions.run(async () => {
      const { token, expiresAt } = await this.issueUserToken(
        user.id,
        'reset_password',
        PASSWORD_RESET_TTL_MS,
      );
      const message = this.outbox.add(IdentityEvents.passwordResetRequested, {
        userId: user.id,
        email: user.email,
        name: user.name,
        resetToken: this.sealer.seal(token),
        expiresAt,
      });
      await this.outbox.flush();
      return message.id;
    });
    await this.published.publishNow([messageId]);
  }

  /** Sets the new password and signs the user out everywhere: whoever knew the old one is locked out. */
  async resetPassword(request: ResetPasswordRequest): Promise<void> {
    await this.throttle.hitIp(request.client.ip);
    const now = new Date();
    const { user, revoked } = await this.transactions.run(async () => {
      const userId = await this.userTokens.consume('reset_password', hashToken(request.token), now);
      const found = userId ? await this.users.findById(userId) : null;
      if (!found) throw invalidToken();
      // Hashed only for a valid token, so that guessing tokens costs no CPU here.
      found.passwordHash = await this.hasher.hash(request.password);
      // The reset link reached the mailbox: that proves the address as well as a verification would.
      found.emailVerified = true;
      await this.users.save(found);
      await this.userTokens.retireAll(found.id, 'reset_password', now);
      return { user: found, revoked: await this.sessions.revokeAll(found.id, now) };
    });
    this.revocations.announce(user.id, revoked, 'password_reset', now);
    // The owner proved control of the mailbox: a lockout from someone guessing no longer applies.
    await this.throttle.clearFailures(user.email);
  }

  private async issueUserToken(
    userId: string,
    purpose: UserTokenPurpose,
    ttlMs: number,
  ): Promise<{ token: string; expiresAt: string }> {
    const { token, hash } = newSecureToken();
    const record = new UserToken();
    record.tokenHash = hash;
    record.userId = userId;
    record.purpose = purpose;
    record.expiresAt = new Date(Date.now() + ttlMs);
    await this.userTokens.insert(record);
    return { token, expiresAt: record.expiresAt.toISOString() };
  }

  private async revokeOnReuse(presentedHash: string, now: Date): Promise<void> {
    const family = await this.sessions.findByUsedTokenHash(presentedHash);
    if (!family) return;
    if (await this.revocations.revoke(family.userId, family.id, 'refresh_token_reuse', now)) {
      this.logger.warn(`Refresh token reuse detected; session ${family.id} of user ${family.userId} revoked`);
    }
  }
}
