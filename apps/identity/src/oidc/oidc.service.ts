import { Injectable, Logger } from '@nestjs/common';
import { Transactions } from '@northstar/persistence';
import {
  BusErrorCode,
  DomainException,
  OIDC_LINK_DEFAULT_REDIRECT,
  type LinkedIdentityListResponse,
  type SignInResponse,
  type OidcCallbackRequest,
  type OidcCallbackResponse,
  type OidcExchangeRequest,
  type OidcLinkRequest,
  type OidcStartRequest,
  type OidcStartResponse,
  type SessionPrincipal,
  type UnlinkIdentityRequest,
} from '@northstar/contracts';
import { errors, generators, type IdTokenClaims, type TokenSet, type UserinfoResponse } from 'openid-client';
import { AuthThrottle } from '../auth/auth-throttle';
import { SignIn } from '../auth/sign-in';
import { normalizeEmail } from '../security/emails';
import { SessionRevocations } from '../sessions/session-revocations';
import { SessionRepository } from '../sessions/session.repository';
import { User } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { OidcClients, type OidcProvider } from './oidc-clients';
import { OidcFlows, type PendingSignIn, type ProvedIdentity } from './oidc-flows';
import { UserIdentity } from './user-identity.entity';
import { UserIdentityRepository } from './user-identity.repository';

/** `amr` values (RFC 8176) that say the provider checked a second factor. */
const MFA_METHODS = new Set(['mfa', 'otp']);
// Provider error codes are passed on to the console only when they look like RFC 6749 codes.
const SAFE_ERROR = /^[a-z_]{1,64}$/;
const NAME_MAX_LENGTH = 100;

function unknownState(): DomainException {
  return DomainException.invalid(
    [{ field: 'state', message: 'state is unknown, expired or already used' }],
    'This sign-in link is invalid or expired: start the sign-in again',
  );
}

function sessionEnded(): DomainException {
  return new DomainException(BusErrorCode.Unauthenticated, 'This session has ended: sign in again');
}

function invalidCode(): DomainException {
  return DomainException.invalid(
    [{ field: 'code', message: 'code is invalid, expired or already used' }],
    'The sign-in code is invalid, expired or already used: sign in again',
  );
}

/** Only a literal true (or "true", which some providers send) counts: anything else is unverified. */
function isVerified(value: unknown): boolean {
  return value === true || value === 'true';
}

function displayName(proved: ProvedIdentity, email: string): string {
  const name = proved.name?.trim();
  return (name || email.split('@')[0] || email).slice(0, NAME_MAX_LENGTH);
}

/**
 * Sign-in through OpenID Connect providers (authorisation code flow with PKCE, state and nonce), and
 * the accounts it reaches: a provider identity (issuer + subject) signs in the user it is linked to;
 * an unknown one is linked to the account of its email, or makes a new account, only when the
 * provider says that it verified the email. Everything ends in SignIn.complete, like a password login.
 */
@Injectable()
export class OidcService {
  private readonly logger = new Logger(OidcService.name);

  constructor(
    private readonly clients: OidcClients,
    private readonly flows: OidcFlows,
    private readonly identities: UserIdentityRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly revocations: SessionRevocations,
    private readonly throttle: AuthThrottle,
    private readonly transactions: Transactions,
    private readonly signIn: SignIn,
  ) {}

  providers() {
    return { providers: this.clients.list() };
  }

  async start(request: OidcStartRequest): Promise<OidcStartResponse> {
    await this.throttle.hitIp(request.client.ip);
    return this.begin(request.provider, request.callbackUrl, request.redirect ?? '/');
  }

  /**
   * Begins linking a provider to the signed-in user. The provider's answer comes back to the same
   * callback as a sign-in's; the pending state says it is a link, and for whom.
   */
  async link(request: OidcLinkRequest): Promise<OidcStartResponse> {
    await this.throttle.hitIp(request.client.ip);
    const { userId, sessionId } = request.principal;
    if (!(await this.sessions.isActive(userId, sessionId, new Date()))) throw sessionEnded();
    return this.begin(request.provider, request.callbackUrl, request.redirect ?? OIDC_LINK_DEFAULT_REDIRECT, {
      userId,
      sessionId,
    });
  }

  private async begin(
    provider: string,
    callbackUrl: string,
    redirect: string,
    link?: PendingSignIn['link'],
  ): Promise<OidcStartResponse> {
    const { settings, client } = await this.clients.get(provider);
    const state = generators.state();
    const nonce = generators.nonce();
    const codeVerifier = generators.codeVerifier();
    await this.flows.savePending(state, {
      provider: settings.id,
      codeVerifier,
      nonce,
      redirect,
      callbackUrl,
      ...(link ? { link } : {}),
    });
    const authorizationUrl = client.authorizationUrl({
      redirect_uri: callbackUrl,
      scope: settings.scopes,
      state,
      nonce,
      code_challenge: generators.codeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { authorizationUrl, state };
  }

  /**
   * Checks the provider's answer against the pending sign-in of its state. Without a known state
   * there is no sign-in to finish and no console path to trust: a 400. Past that point every failure
   * goes back to the console as an error slug, where the user can start again.
   */
  async callback(request: OidcCallbackRequest): Promise<OidcCallbackResponse> {
    await this.throttle.hitIp(request.client.ip);
    if (!request.state) throw unknownState();
    const pending = await this.flows.takePending(request.state);
    // A state of another provider's sign-in would have us redeem its code at the wrong token endpoint.
    if (!pending || pending.provider !== request.provider) throw unknownState();
    const back = (error: string): OidcCallbackResponse => ({ redirect: pending.redirect, error });

    if (request.error) {
      return back(SAFE_ERROR.test(request.error) ? request.error : 'provider_error');
    }
    if (!request.code) return back('invalid_response');
    let provider: OidcProvider;
    try {
      provider = await this.clients.get(pending.provider);
    } catch {
      return back('provider_unavailable');
    }
    let proved: ProvedIdentity;
    try {
      proved = await this.prove(provider, pending, request, request.state);
    } catch (error) {
      if (error instanceof errors.OPError) {
        this.logger.warn(`OIDC provider ${pending.provider} refused the code: ${error.message}`);
        return back('provider_error');
      }
      if (error instanceof errors.RPError) {
        // Nonce, issuer, audience, signature or time checks of the ID token: never a sign-in.
        this.logger.warn(`OIDC answer of ${pending.provider} rejected: ${error.message}`);
        return back('invalid_response');
      }
      this.logger.warn(`OIDC provider ${pending.provider} unreachable at the callback: ${String(error)}`);
      return back('provider_unavailable');
    }
    if (pending.link) return this.linkProved(pending.link, proved, pending.redirect);
    return { redirect: pending.redirect, code: await this.flows.saveProved(proved) };
  }

  /**
   * Links the proved identity to the user who began the link. No verified email is needed: the user
   * proved the account with its session, and the provider proved the identity. The session must still
   * be live (a link begun before a logout or a revocation is void), and the identity must not sign
   * in to anyone else: moving it would hand that account's way in to this one.
   */
  private async linkProved(
    link: NonNullable<PendingSignIn['link']>,
    proved: ProvedIdentity,
    redirect: string,
  ): Promise<OidcCallbackResponse> {
    const now = new Date();
    let error: string | null;
    try {
      error = await this.transactions.run(async () => {
        // Locked like an unlink, so that a link and an unlink of one user do not interleave.
        const user = await this.identities.lockUser(link.userId);
        if (!user || !(await this.sessions.isActive(link.userId, link.sessionId, now))) {
          return 'session_ended';
        }
        const linked = await this.identities.findBySubject(proved.issuer, proved.subject);
        if (linked) return linked.userId === user.id ? null : 'identity_in_use';
        const identity = new UserIdentity();
        identity.userId = user.id;
        identity.provider = proved.provider;
        identity.issuer = proved.issuer;
        identity.subject = proved.subject;
        identity.email = proved.email;
        await this.identities.insert(identity);
        return null;
      });
    } catch (failure) {
      // Another request linked the same provider account a moment ago (the unique issuer + subject).
      if (failure instanceof DomainException && failure.code === BusErrorCode.Conflict) {
        error = 'identity_in_use';
      } else {
        throw failure;
      }
    }
    if (error !== null) return { redirect, error };
    this.logger.log(`User ${link.userId} linked an identity of the provider ${proved.provider}`);
    return { redirect, linked: proved.provider };
  }

  private async prove(
    { settings, client }: OidcProvider,
    pending: PendingSignIn,
    request: OidcCallbackRequest,
    state: string,
  ): Promise<ProvedIdentity> {
    const tokens: TokenSet = await client.callback(
      pending.callbackUrl,
      {
        code: request.code,
        state,
        ...(request.iss === undefined ? {} : { iss: request.iss }),
      },
      { state, nonce: pending.nonce, code_verifier: pending.codeVerifier, response_type: 'code' },
    );
    const claims: IdTokenClaims = tokens.claims();
    let profile: Partial<UserinfoResponse> = claims;
    // Many providers put the email in the userinfo answer only; openid-client checks its `sub`.
    if (claims.email === undefined && tokens.access_token) profile = await client.userinfo(tokens);
    const amr = Array.isArray(claims.amr) ? claims.amr : [];
    return {
      provider: settings.id,
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof profile.email === 'string' ? normalizeEmail(profile.email) : null,
      emailVerified: isVerified(profile.email_verified),
      name: typeof profile.name === 'string' ? profile.name : null,
      secondFactor: settings.trustMfa && amr.some((method) => MFA_METHODS.has(method)),
    };
  }

  async exchange(request: OidcExchangeRequest): Promise<SignInResponse> {
    await this.throttle.hitIp(request.client.ip);
    const proved = await this.flows.takeProved(request.code);
    if (!proved) throw invalidCode();
    const user = await this.accountOf(proved);
    return this.signIn.complete(user, request.client, {
      method: `oidc:${proved.provider}`,
      secondFactor: proved.secondFactor,
    });
  }

  /** The user of a proved identity: linked already, linked now by its verified email, or new. */
  private async accountOf(proved: ProvedIdentity): Promise<User> {
    const now = new Date();
    const outcome = await this.transactions.run(async () => {
      const linked = await this.identities.findBySubject(proved.issuer, proved.subject);
      if (linked) {
        linked.lastUsedAt = now;
        if (proved.email) linked.email = proved.email;
        await this.identities.save();
        const user = await this.users.findById(linked.userId);
        if (!user) throw new DomainException(BusErrorCode.Unauthenticated, 'This account no longer exists');
        return { user, revoked: [] as string[] };
      }
      const existing = proved.email ? await this.users.findByEmail(proved.email) : null;
      if (!proved.email || !proved.emailVerified) {
        if (existing) {
          throw new DomainException(
            BusErrorCode.Conflict,
            'An account with this email already exists, and the sign-in provider does not confirm that ' +
              'the email is yours: sign in with your password instead',
            { problem: 'oidc-email-unverified' },
          );
        }
        throw new DomainException(
          BusErrorCode.Unprocessable,
          'The sign-in provider did not share a verified email address, which a new account needs',
          { problem: 'oidc-email-unverified' },
        );
      }
      let user = existing;
      let revoked: string[] = [];
      if (user && !user.emailVerified) {
        // Whoever set this account's password never proved the mailbox the provider just proved:
        // it may be someone who registered the address first to share the account with its owner.
        user.passwordHash = null;
        user.emailVerified = true;
        await this.users.save(user);
        revoked = await this.sessions.revokeAll(user.id, now);
      }
      if (!user) {
        user = new User();
        user.email = proved.email;
        user.name = displayName(proved, proved.email);
        user.emailVerified = true;
        await this.users.insert(user);
      }
      const identity = new UserIdentity();
      identity.userId = user.id;
      identity.provider = proved.provider;
      identity.issuer = proved.issuer;
      identity.subject = proved.subject;
      identity.email = proved.email;
      identity.lastUsedAt = now;
      await this.identities.insert(identity);
      return { user, revoked };
    });
    if (outcome.revoked.length > 0) {
      this.revocations.announce(outcome.user.id, outcome.revoked, 'email_claimed', now);
    }
    return outcome.user;
  }

  async list(principal: SessionPrincipal): Promise<LinkedIdentityListResponse> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new DomainException(BusErrorCode.Unauthenticated, 'This account no longer exists');
    const items = await this.identities.listOfUser(user.id);
    return {
      items: items.map((identity) => ({
        id: identity.id,
        provider: identity.provider,
        providerName: this.clients.settingsOf(identity.provider)?.name ?? identity.provider,
        email: identity.email,
        createdAt: identity.createdAt.toISOString(),
        lastUsedAt: identity.lastUsedAt?.toISOString() ?? null,
      })),
      hasPassword: user.passwordHash !== null,
    };
  }

  /** Unlinks one identity, unless it is the last way in (no password, no other identity): 409. */
  async unlink(request: UnlinkIdentityRequest): Promise<void> {
    await this.transactions.run(async () => {
      const user = await this.identities.lockUser(request.principal.userId);
      if (!user) throw new DomainException(BusErrorCode.Unauthenticated, 'This account no longer exists');
      const identities = await this.identities.listOfUser(user.id);
      const target = identities.find((identity) => identity.id === request.identityId);
      if (!target) throw DomainException.notFound('Identity');
      if (user.passwordHash === null && identities.length === 1) {
        throw DomainException.conflict(
          'This is the only way to sign in to the account: set a password (with "forgot password") or ' +
            'link another provider before removing it',
        );
      }
      await this.identities.remove(target);
    });
  }
}
