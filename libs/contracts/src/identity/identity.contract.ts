import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
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
}
