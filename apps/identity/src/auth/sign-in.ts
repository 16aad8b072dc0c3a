import { Injectable } from '@nestjs/common';
import type { ClientContext, LoginResponse, SignInResponse } from '@northstar/contracts';
import { MfaChallenges } from '../mfa/mfa-challenges';
import { PlatformRoles } from '../security/platform-roles';
import { SessionIssuer } from '../sessions/session-issuer';
import type { User } from '../users/user.entity';
import { toUserDto } from '../users/user.mapper';

/** How the user proved who they are, as far as the last step of signing in needs to know. */
export interface SignInProof {
  /** `password` or `oidc:<provider id>`: recorded so that policies can tell the ways in apart. */
  method: string;
  /** A second factor was already checked (by us, or by an identity provider the operator trusts). */
  secondFactor?: boolean;
}

/** Whether a sign-in answer is the session itself (rather than a second factor still owed). */
export function isSession(answer: SignInResponse): answer is LoginResponse {
  return !('mfaRequired' in answer);
}

/**
 * The last step of every way in (password login, single sign-on): the one place that decides whether
 * the user gets a session now or still owes a second factor, so that no way in can skip it.
 */
@Injectable()
export class SignIn {
  constructor(
    private readonly issuer: SessionIssuer,
    private readonly roles: PlatformRoles,
    private readonly challenges: MfaChallenges,
  ) {}

  /**
   * The session, or `{ mfaRequired, mfaToken }` for a user with two factors on whose proof did not
   * include one: no session exists until POST /v1/auth/mfa completes it.
   */
  async complete(user: User, client: ClientContext, proof: SignInProof): Promise<SignInResponse> {
    if (user.mfaEnabled && proof.secondFactor !== true) {
      return this.challenges.issue({ userId: user.id, method: proof.method });
    }
    return this.session(user, client, proof.method);
  }

  private async session(user: User, client: ClientContext, method: string): Promise<LoginResponse> {
    // A provider's sign-in is remembered by the session, for organisations that trust its MFA.
    const tokens = await this.issuer.open(user, client, method.startsWith('oidc:') ? method : null);
    return { ...tokens, user: toUserDto(user, this.roles.roleOf(user)) };
  }
}
