import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsName } from '../common/name';
import { Nested } from '../common/nested';
import { IsEmailAddress } from '../common/email';
import { OptionalNotNull } from '../common/optional';
import { PLATFORM_ROLES, type PlatformRole } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import { trim } from '../common/transforms';
import type { Rpc } from '../rpc';
import type {
  ConfirmTotpRequest,
  DisableTotpRequest,
  EnrolTotpRequest,
  MfaLoginRequest,
  MfaRequiredResponse,
  RecoveryCodesResponse,
  RegenerateRecoveryCodesRequest,
  TotpEnrolmentResponse,
} from './mfa.contract';

/**
 * Request/reply subjects of identity. (Owned by the identity work: add each subject with its
 * request class (class-validator) and response class (@nestjs/swagger) below.)
 */
export const IdentitySubjects = {
  /** `{ email, password, name }` → `{ user }` (the public user, as GET /v1/me shows it). */
  register: 'identity.auth.register',
  login: 'identity.auth.login',
  refresh: 'identity.auth.refresh',
  logout: 'identity.auth.logout',
  verifyEmail: 'identity.auth.verify-email',
  forgotPassword: 'identity.auth.forgot-password',
  resetPassword: 'identity.auth.reset-password',
  me: 'identity.me.get',
  updateMe: 'identity.me.update',
  listSessions: 'identity.session.list',
  revokeSession: 'identity.session.revoke',
  /**
   * Asked by gateways to re-validate a session they accept, at most every SESSION_RECHECK_SECONDS:
   * `{ userId, sessionId }` → `{ active }`. The backstop for a missed `identity.sessions.revoked`.
   */
  sessionStatus: 'identity.session.status',
  /** Used by tenancy to show members and match invitation emails: `{ userIds }` → `{ users }`. */
  usersByIds: 'identity.user.by-ids',
  /** The second step of a sign-in with two factors on: `{ mfaToken, code | recoveryCode }` → the login answer. */
  completeMfa: 'identity.auth.mfa',
  /** Starts (or restarts) a TOTP enrolment, not active until confirmed. */
  enrolTotp: 'identity.mfa.totp.enrol',
  confirmTotp: 'identity.mfa.totp.confirm',
  disableTotp: 'identity.mfa.totp.disable',
  regenerateRecoveryCodes: 'identity.mfa.recovery-codes.regenerate',
  /** The configured single sign-on providers: `{}` → `{ providers: [{ id, name }] }`. */
  oidcProviders: 'identity.oidc.providers',
  /** Begins a sign-in at a provider: → `{ authorizationUrl }` (state, nonce and PKCE kept server side). */
  oidcStart: 'identity.oidc.start',
  /** The provider's answer: → where the console takes over, with a one-time code or an error slug. */
  oidcCallback: 'identity.oidc.callback',
  /** Trades the one-time code of a callback for the login answer (once). */
  oidcExchange: 'identity.oidc.exchange',
  /**
   * Begins linking a provider to the signed-in user: → `{ authorizationUrl, state }`. The provider's
   * answer comes back through `oidcCallback`, which links instead of signing in.
   */
  oidcLink: 'identity.oidc.link',
  listIdentities: 'identity.identities.list',
  unlinkIdentity: 'identity.identities.unlink',
} as const;

/** Rules shared by the identity service (signing) and the gateway (verifying) of access tokens. */
export const ACCESS_TOKEN = {
  algorithm: 'HS256',
  issuer: 'northstar-identity',
  audience: 'northstar-api',
  /** 15 minutes, as API.md promises. */
  ttlSeconds: 15 * 60,
} as const;

/**
 * The development default of JWT_SECRET, shared so that identity (signing) and the gateway (verifying)
 * agree out of the box. Both mark the setting secret: production refuses to start with this value.
 */
export const DEVELOPMENT_JWT_SECRET = 'northstar-development-jwt-secret-do-not-use-in-production';

/** Refresh tokens (one session each, rotated on every use) live 30 days. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export const PASSWORD_MIN_LENGTH = 10;
// A bound on the input of the (deliberately slow) password hash.
export const PASSWORD_MAX_LENGTH = 256;
const TOKEN_MAX_LENGTH = 512;

// ---------------------------------------------------------------------------------------------
// Shared parts of the bus requests.

/** Where an auth request comes from, as the gateway saw it: for per-IP limits and the session list. */
export class ClientContext {
  @IsString()
  @MaxLength(64)
  ip!: string;

  /** Truncated by the gateway; absent when the client sent none. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  userAgent?: string;
}

/** The signed-in user of a request, from a verified access token. */
export class SessionPrincipal {
  @IsUUID()
  userId!: string;

  /** The session (refresh-token family) of the access token: the `sid` claim. */
  @IsUUID()
  sessionId!: string;
}

// ---------------------------------------------------------------------------------------------
// HTTP bodies (the gateway validates them) and the bus requests built from them.

export class RegisterBody {
  @ApiProperty({
    example: 'ada@example.com',
    maxLength: 254,
    description: 'Case-insensitive; stored lower-case',
  })
  @Transform(trim)
  @IsEmailAddress({ message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    example: 'correct horse battery',
  })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @IsName()
  name!: string;
}

export class RegisterRequest extends RegisterBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class LoginBody {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  email!: string;

  // No minimum length here: a too-short password is a wrong password (401), not a malformed request.
  @ApiProperty({ example: 'correct horse battery' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class LoginRequest extends LoginBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class RefreshTokenBody {
  @ApiProperty({ description: 'The refresh token of the last login or refresh' })
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX_LENGTH)
  refreshToken!: string;
}

export class RefreshRequest extends RefreshTokenBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class LogoutRequest extends RefreshTokenBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class VerifyEmailBody {
  @ApiProperty({ description: 'The token of the verification email' })
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX_LENGTH)
  token!: string;
}

export class VerifyEmailRequest extends VerifyEmailBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class ForgotPasswordBody {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  email!: string;
}

export class ForgotPasswordRequest extends ForgotPasswordBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class ResetPasswordBody {
  @ApiProperty({ description: 'The token of the password-reset email' })
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX_LENGTH)
  token!: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class ResetPasswordRequest extends ResetPasswordBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class MeRequest {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;
}

export class UpdateMeBody {
  @ApiPropertyOptional({ example: 'Ada King', minLength: 1, maxLength: 100 })
  @OptionalNotNull()
  @IsName()
  name?: string;

  @ApiPropertyOptional({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'A new password; requires `currentPassword`. Signs out every other session.',
  })
  @OptionalNotNull()
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;

  @ApiPropertyOptional({ description: 'The current password, required to set a new one' })
  @OptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword?: string;
}

export class UpdateMeRequest extends UpdateMeBody {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;
}

export class ListSessionsQuery extends PageQuery {}

export class ListSessionsRequest extends ListSessionsQuery {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;
}

export class SessionIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a session id' })
  id!: string;
}

export class RevokeSessionRequest {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;

  @IsUUID()
  sessionId!: string;
}

export class SessionStatusRequest {
  @IsUUID()
  userId!: string;

  @IsUUID()
  sessionId!: string;
}

export class UsersByIdsRequest {
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  userIds!: string[];
}

// ---------------------------------------------------------------------------------------------
// Responses.

/** A user as the user itself sees it (GET /v1/me). */
export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ada@example.com', description: 'Lower-cased' })
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name!: string;

  @ApiProperty()
  emailVerified!: boolean;

  @ApiProperty({ description: 'Two-factor sign-in (an authenticator app) is on' })
  mfaEnabled!: boolean;

  @ApiProperty({ enum: PLATFORM_ROLES, description: 'Platform-wide role; `admin` manages the chain catalog' })
  role!: PlatformRole;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class RegisterResponse {
  @ApiProperty({ type: UserDto })
  user!: UserDto;
}

export class TokenPairResponse {
  @ApiProperty({ description: 'Access JWT: send as `Authorization: Bearer <accessToken>`' })
  accessToken!: string;

  @ApiProperty({ description: 'Opaque, single use: trade it at /v1/auth/refresh for a new pair' })
  refreshToken!: string;

  @ApiProperty({ example: ACCESS_TOKEN.ttlSeconds, description: 'Seconds until the access token expires' })
  expiresIn!: number;
}

export class LoginResponse extends TokenPairResponse {
  @ApiProperty({ type: UserDto })
  user!: UserDto;
}

/**
 * What the last step of a way in answers: the session, or, for an account with two factors on, the
 * `mfaToken` to complete it with at POST /v1/auth/mfa.
 */
export type SignInResponse = LoginResponse | MfaRequiredResponse;

export class SessionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  lastUsedAt!: string;

  @ApiProperty({ nullable: true, type: String })
  userAgent!: string | null;

  @ApiProperty({ example: '203.0.113.7' })
  ip!: string;

  @ApiProperty({ description: 'The session of the access token making this request' })
  current!: boolean;
}

export class SessionListResponse extends PageResponse(SessionDto) {}

export class SessionStatusResponse {
  /** False once the session is revoked or expired, or when it is not the user's. */
  active!: boolean;
}

/** The answer of a command that has nothing to return (the gateway answers 202 or 204). */
export class DoneResponse {
  done!: true;
}

export class UserSummary {
  id!: string;
  /** Lower-cased. */
  email!: string;
  name!: string;
  /** Tenancy accepts an invitation only for a verified email matching the invitation's. */
  emailVerified!: boolean;
}

export class UsersByIdsResponse {
  users!: UserSummary[];
}

// ---------------------------------------------------------------------------------------------
// Single sign-on (OpenID Connect).

/** Provider ids as OIDC_PROVIDERS names them: they appear in URLs and in the `oidc:<id>` sign-in method. */
export const OIDC_PROVIDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * A path of the console to land on after signing in: relative to its origin (`/projects?tab=1`), so
 * that a crafted link cannot send the user, and the one-time code, to another site.
 */
export const CONSOLE_PATH_PATTERN = /^\/(?![/\\])[^\s\\]*$/;
const CONSOLE_PATH_MAX_LENGTH = 512;

export class OidcProviderParams {
  @ApiProperty({ example: 'google', description: 'The id of a configured provider' })
  @Matches(OIDC_PROVIDER_ID_PATTERN, { message: 'provider must be the id of a configured provider' })
  provider!: string;
}

export class OidcProvidersRequest {}

export class OidcStartQuery {
  @ApiPropertyOptional({
    example: '/projects',
    maxLength: CONSOLE_PATH_MAX_LENGTH,
    description:
      'The console path to land on after signing in (relative: `/…`, never another site); default `/`',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(CONSOLE_PATH_MAX_LENGTH)
  @Matches(CONSOLE_PATH_PATTERN, {
    message: 'redirect must be a path of the console, starting with a single /',
  })
  redirect?: string;
}

export class OidcStartRequest extends OidcStartQuery {
  @Matches(OIDC_PROVIDER_ID_PATTERN)
  provider!: string;

  /** The gateway's callback URL for this provider: sent to the provider, and again with the code. */
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(1024)
  callbackUrl!: string;

  @Nested(ClientContext)
  client!: ClientContext;
}

/** What a provider sends back to the callback (RFC 6749 §4.1.2, RFC 9207's `iss`). */
/** The console page a link lands on, unless the console names another. */
export const OIDC_LINK_DEFAULT_REDIRECT = '/account/sign-in-methods';

export class OidcLinkBody {
  @ApiPropertyOptional({
    example: OIDC_LINK_DEFAULT_REDIRECT,
    maxLength: CONSOLE_PATH_MAX_LENGTH,
    description: `The console path to land on after the provider (relative: \`/…\`); default \`${OIDC_LINK_DEFAULT_REDIRECT}\``,
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(CONSOLE_PATH_MAX_LENGTH)
  @Matches(CONSOLE_PATH_PATTERN, {
    message: 'redirect must be a path of the console, starting with a single /',
  })
  redirect?: string;
}

export class OidcLinkRequest extends OidcLinkBody {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;

  @Matches(OIDC_PROVIDER_ID_PATTERN)
  provider!: string;

  /** The gateway's callback URL for this provider, as for a sign-in. */
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(1024)
  callbackUrl!: string;

  @Nested(ClientContext)
  client!: ClientContext;
}

/** What the console gets to send the browser to the provider with. */
export class OidcLinkResponse {
  @ApiProperty({ description: "The provider's authorisation URL: navigate the browser there" })
  authorizationUrl!: string;
}

export class OidcCallbackQuery {
  @ApiPropertyOptional({ description: 'The authorisation code' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  code?: string;

  @ApiPropertyOptional({ description: 'The state of the sign-in this answers' })
  @IsOptional()
  @IsString()
  @MaxLength(TOKEN_MAX_LENGTH)
  state?: string;

  @ApiPropertyOptional({ description: "The provider's issuer (RFC 9207)" })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  iss?: string;

  @ApiPropertyOptional({ description: 'An OAuth error code, when the provider refused (`access_denied`, …)' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  error?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  error_description?: string;
}

export class OidcCallbackRequest extends OidcCallbackQuery {
  @Matches(OIDC_PROVIDER_ID_PATTERN)
  provider!: string;

  @Nested(ClientContext)
  client!: ClientContext;
}

export class OidcExchangeBody {
  @ApiProperty({ description: 'The one-time `code` the callback put in the console URL' })
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX_LENGTH)
  code!: string;
}

export class OidcExchangeRequest extends OidcExchangeBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class ListIdentitiesRequest {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;
}

export class IdentityIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be an identity id' })
  id!: string;
}

export class UnlinkIdentityRequest {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;

  @IsUUID()
  identityId!: string;
}

export class OidcProviderDto {
  @ApiProperty({ example: 'google' })
  id!: string;

  @ApiProperty({ example: 'Google' })
  name!: string;
}

export class OidcProvidersResponse {
  providers!: OidcProviderDto[];
}

export class OidcStartResponse {
  authorizationUrl!: string;
  /** The state of the sign-in, which the gateway also binds to the browser with a cookie. */
  state!: string;
}

/** Where the console takes over after a callback: its path, with a one-time code or an error. */
export class OidcCallbackResponse {
  /** The console path the sign-in began with. */
  redirect!: string;
  code?: string;
  /** The provider id of an identity just linked to the signed-in user who started a link. */
  linked?: string;
  /** A slug saying why the sign-in failed (`access_denied`, `invalid_id_token`, …). */
  error?: string;
}

/** A provider identity through which the user can sign in. */
export class LinkedIdentityDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'google', description: 'The id of the provider (as configured)' })
  provider!: string;

  @ApiProperty({
    example: 'Google',
    description: "The provider's display name; its id when no longer configured",
  })
  providerName!: string;

  @ApiProperty({ nullable: true, type: String, description: 'The email the provider gave, if any' })
  email!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastUsedAt!: string | null;
}

export class LinkedIdentityListResponse {
  @ApiProperty({ type: [LinkedIdentityDto] })
  items!: LinkedIdentityDto[];

  @ApiProperty({
    description: 'Whether the account has a password (another way in besides these identities)',
  })
  hasPassword!: boolean;
}

export interface IdentityContract {
  [IdentitySubjects.register]: Rpc<RegisterRequest, RegisterResponse>;
  [IdentitySubjects.login]: Rpc<LoginRequest, SignInResponse>;
  [IdentitySubjects.refresh]: Rpc<RefreshRequest, TokenPairResponse>;
  [IdentitySubjects.logout]: Rpc<LogoutRequest, DoneResponse>;
  [IdentitySubjects.verifyEmail]: Rpc<VerifyEmailRequest, DoneResponse>;
  [IdentitySubjects.forgotPassword]: Rpc<ForgotPasswordRequest, DoneResponse>;
  [IdentitySubjects.resetPassword]: Rpc<ResetPasswordRequest, DoneResponse>;
  [IdentitySubjects.me]: Rpc<MeRequest, UserDto>;
  [IdentitySubjects.updateMe]: Rpc<UpdateMeRequest, UserDto>;
  [IdentitySubjects.listSessions]: Rpc<ListSessionsRequest, SessionListResponse>;
  [IdentitySubjects.revokeSession]: Rpc<RevokeSessionRequest, DoneResponse>;
  [IdentitySubjects.sessionStatus]: Rpc<SessionStatusRequest, SessionStatusResponse>;
  [IdentitySubjects.usersByIds]: Rpc<UsersByIdsRequest, UsersByIdsResponse>;
  [IdentitySubjects.completeMfa]: Rpc<MfaLoginRequest, LoginResponse>;
  [IdentitySubjects.enrolTotp]: Rpc<EnrolTotpRequest, TotpEnrolmentResponse>;
  [IdentitySubjects.confirmTotp]: Rpc<ConfirmTotpRequest, RecoveryCodesResponse>;
  [IdentitySubjects.disableTotp]: Rpc<DisableTotpRequest, DoneResponse>;
  [IdentitySubjects.regenerateRecoveryCodes]: Rpc<RegenerateRecoveryCodesRequest, RecoveryCodesResponse>;
  [IdentitySubjects.oidcProviders]: Rpc<OidcProvidersRequest, OidcProvidersResponse>;
  [IdentitySubjects.oidcStart]: Rpc<OidcStartRequest, OidcStartResponse>;
  [IdentitySubjects.oidcCallback]: Rpc<OidcCallbackRequest, OidcCallbackResponse>;
  [IdentitySubjects.oidcExchange]: Rpc<OidcExchangeRequest, SignInResponse>;
  [IdentitySubjects.oidcLink]: Rpc<OidcLinkRequest, OidcStartResponse>;
  [IdentitySubjects.listIdentities]: Rpc<ListIdentitiesRequest, LinkedIdentityListResponse>;
  [IdentitySubjects.unlinkIdentity]: Rpc<UnlinkIdentityRequest, DoneResponse>;
}
