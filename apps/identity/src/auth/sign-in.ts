import { Injectable } from '@nestjs/common';
import type { ClientContext, LoginResponse } from '@northstar/contracts';
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

/**
 * The last step of every way in (password login, single sign-on): the one place that decides whether
 * the user gets a session now or still owes a second factor, so that no way in can skip it.
 */
@Injectable()
export class SignIn {
  constructor(
    private readonly issuer: SessionIssuer,
    private readonly roles: PlatformRoles,
  ) {}

  async complete(user: User, client: ClientContext, _proof: SignInProof): Promise<LoginResponse> {
    const tokens = await this.issuer.open(user, client);
    return { ...tokens, user: toUserDto(user, this.roles.roleOf(user)) };
  }
}
