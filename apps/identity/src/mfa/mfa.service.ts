import { Injectable } from '@nestjs/common';
import { Transactions } from '@northstar/persistence';
import {
  BusErrorCode,
  DomainException,
  type LoginResponse,
  type MfaLoginRequest,
  type RecoveryCodesResponse,
  type SessionPrincipal,
  type TotpEnrolmentResponse,
} from '@northstar/contracts';
import { toString as qrCode } from 'qrcode';
import { AuthThrottle } from '../auth/auth-throttle';
import { isSession, SignIn } from '../auth/sign-in';
import { Clock } from '../security/clock';
import { PasswordHasher } from '../security/password-hasher';
import type { User } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { MfaChallenges } from './mfa-challenges';
import { MfaRepository } from './mfa.repository';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes';
import { TotpSecretSealer } from './totp-secret.sealer';
import type { TotpCredential } from './totp-credential.entity';
import { newTotpSecret, otpauthUrl, totpStepOf } from './totp';

// Like the emailed tokens' refusals: 400 naming the field (the client signs in again for a new one).
function invalidMfaToken(): DomainException {
  return DomainException.invalid(
    [{ field: 'mfaToken', message: 'mfaToken is invalid, expired or already used; sign in again' }],
    'The mfaToken is invalid, expired or already used; sign in again',
  );
}

function wrongField(field: string, message: string): DomainException {
  return DomainException.invalid([{ field, message }], message);
}

/**
 * Two-factor sign-in: enrolling an authenticator app, its recovery codes, and the second step of a
 * sign-in. Every code checked here (right or wrong) goes through the account's lockout, like a
 * password: a wrong one counts as a failed login, a locked account gets 429 whatever the code.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly users: UserRepository,
    private readonly mfa: MfaRepository,
    private readonly challenges: MfaChallenges,
    private readonly throttle: AuthThrottle,
    private readonly hasher: PasswordHasher,
    private readonly sealer: TotpSecretSealer,
    private readonly signIn: SignIn,
    private readonly transactions: Transactions,
    private readonly clock: Clock,
  ) {}

  /** A new secret, pending until confirmed; a pending one of an earlier attempt is replaced. */
  async enrol(principal: SessionPrincipal): Promise<TotpEnrolmentResponse> {
    const user = await this.userOf(principal);
    if (user.mfaEnabled) {
      throw DomainException.conflict('Two-factor sign-in is already on; turn it off first to change the app');
    }
    const secret = newTotpSecret();
    await this.mfa.replacePending(user.id, this.sealer.seal(secret), this.clock.now());
    const url = otpauthUrl(secret, user.email);
    const svg = await qrCode(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return {
      secret,
      otpauthUrl: url,
      qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    };
  }

  /** The first code turns the enrolment on and hands out the recovery codes (this once). */
  async confirm(principal: SessionPrincipal, code: string): Promise<RecoveryCodesResponse> {
    const user = await this.userOf(principal);
    const totp = await this.mfa.findTotp(user.id);
    if (!totp || totp.confirmedAt !== null) {
      throw DomainException.conflict(
        'No enrolment is waiting for confirmation; start one at POST /v1/me/mfa/totp',
      );
    }
    await this.checkCode(user, totp, code, 'code');
    const recoveryCodes = newRecoveryCodes();
    const now = this.clock.now();
    await this.transactions.run(async () => {
      await this.mfa.confirm(user.id, now);
      await this.mfa.replaceRecoveryCodes(user.id, this.hashed(user.id, recoveryCodes), now);
    });
    return { recoveryCodes };
  }

  /** Needs both the password and a code: a stolen session alone cannot strip the second factor. */
  async disable(principal: SessionPrincipal, password: string, code: string): Promise<void> {
    const user = await this.userOf(principal);
    const totp = await this.activeTotp(user);
    await this.throttle.assertNotLocked(user.email);
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      await this.throttle.recordFailure(user.email);
      throw wrongField('password', 'password is incorrect');
    }
    await this.checkCode(user, totp, code, 'code');
    await this.transactions.run(() => this.mfa.remove(user.id, this.clock.now()));
  }

  /** New recovery codes for a code of the app; the old ones stop working. */
  async regenerateRecoveryCodes(principal: SessionPrincipal, code: string): Promise<RecoveryCodesResponse> {
    const user = await this.userOf(principal);
    const totp = await this.activeTotp(user);
    await this.checkCode(user, totp, code, 'code');
    const recoveryCodes = newRecoveryCodes();
    await this.transactions.run(() =>
      this.mfa.replaceRecoveryCodes(user.id, this.hashed(user.id, recoveryCodes), this.clock.now()),
    );
    return { recoveryCodes };
  }

  /** The second step of a sign-in: the session for a right code (or an unused recovery code). */
  async completeSignIn(request: MfaLoginRequest): Promise<LoginResponse> {
    await this.throttle.hitIp(request.client.ip);
    const challenge = await this.challenges.find(request.mfaToken);
    if (!challenge) throw invalidMfaToken();
    const user = await this.users.findById(challenge.userId);
    if (!user) throw invalidMfaToken();
    if (request.code !== undefined) {
      const totp = await this.mfa.findTotp(user.id);
      // Turned off since the first step: the challenge no longer stands for anything.
      if (!totp || totp.confirmedAt === null) throw invalidMfaToken();
      await this.checkCode(user, totp, request.code, 'code');
    } else {
      await this.checkRecoveryCode(user, request.recoveryCode ?? '');
    }
    if (!(await this.challenges.consume(request.mfaToken))) throw invalidMfaToken();
    await this.throttle.clearFailures(user.email);
    const answer = await this.signIn.complete(user, request.client, {
      method: challenge.method,
      secondFactor: true,
    });
    if (!isSession(answer)) throw invalidMfaToken();
    return answer;
  }

  /**
   * A right code of a step later than the last one accepted: a code seen over a shoulder or in a log
   * is refused once used, even inside its validity window.
   */
  private async checkCode(user: User, totp: TotpCredential, code: string, field: string): Promise<void> {
    await this.throttle.assertNotLocked(user.email);
    const step = totpStepOf(this.sealer.open(totp.sealedSecret), code, this.clock.now());
    if (step === null) {
      await this.throttle.recordFailure(user.email);
      throw wrongField(field, `${field} is incorrect or expired`);
    }
    if (!(await this.mfa.claimStep(user.id, step))) {
      await this.throttle.recordFailure(user.email);
      throw wrongField(field, `${field} was already used; wait for the next one`);
    }
  }

  private async checkRecoveryCode(user: User, code: string): Promise<void> {
    await this.throttle.assertNotLocked(user.email);
    if (!(await this.mfa.useRecoveryCode(user.id, hashRecoveryCode(user.id, code), this.clock.now()))) {
      await this.throttle.recordFailure(user.email);
      throw wrongField('recoveryCode', 'recoveryCode is incorrect or already used');
    }
  }

  private async activeTotp(user: User): Promise<TotpCredential> {
    const totp = await this.mfa.findTotp(user.id);
    if (!user.mfaEnabled || !totp || totp.confirmedAt === null) {
      throw DomainException.conflict('Two-factor sign-in is not on for this account');
    }
    return totp;
  }

  private hashed(userId: string, codes: string[]): string[] {
    return codes.map((code) => hashRecoveryCode(userId, code));
  }

  private async userOf(principal: SessionPrincipal): Promise<User> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new DomainException(BusErrorCode.Unauthenticated, 'This account no longer exists');
    return user;
  }
}
