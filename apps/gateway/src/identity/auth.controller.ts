import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiExtraModels,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  ForgotPasswordBody,
  IdentitySubjects,
  LoginBody,
  LoginResponse,
  MfaLoginBody,
  MfaRequiredResponse,
  RefreshTokenBody,
  RegisterBody,
  RegisterResponse,
  ResetPasswordBody,
  TokenPairResponse,
  type SignInResponse,
  VerifyEmailBody,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { Client, type RequestClient } from '../auth/client-context.decorator';
import { Public } from '../auth/public.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiRateLimitedResponse } from './api-rate-limited.decorator';
import { ApiAccess } from '../http/api-access.decorator';

const IP_LIMITED = 'Too many auth requests from this IP address (at least 100 a minute are allowed)';

/** Sign-up, sign-in and the token flows; none needs an access token. */
@ApiTags('Auth')
@ApiExtraModels(LoginResponse, MfaRequiredResponse)
@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly bus: BusClient) {}

  @Post('register')
  @ApiAccess({ public: true })
  @ApiOperation({ summary: 'Create an account; a verification email is sent' })
  @ApiCreatedResponse({ type: RegisterResponse })
  @ApiProblemResponses(400, 409, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  register(@Body() body: RegisterBody, @Client() client: RequestClient): Promise<RegisterResponse> {
    return this.bus.send(IdentitySubjects.register, { ...body, client });
  }

  @Post('login')
  @ApiAccess({ public: true })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Sign in with email and password',
    description:
      'An unknown email and a wrong password get the same 401. After 5 failed logins in a row an ' +
      'account (known or not) answers 429 for 30 s, doubling with each further failure (at most 1 h). ' +
      'An account with two-factor sign-in on gets no session yet: `{ mfaRequired: true, mfaToken }`, ' +
      'to complete at POST /v1/auth/mfa within 5 minutes.',
  })
  @ApiOkResponse({
    description: 'The session, or the `mfaToken` when a second factor is owed',
    schema: { oneOf: [{ $ref: getSchemaPath(LoginResponse) }, { $ref: getSchemaPath(MfaRequiredResponse) }] },
  })
  @ApiProblemResponses(400, 401, 503)
  @ApiRateLimitedResponse(`Too many failed logins for this account, or: ${IP_LIMITED}`)
  login(@Body() body: LoginBody, @Client() client: RequestClient): Promise<SignInResponse> {
    return this.bus.send(IdentitySubjects.login, { ...body, client });
  }

  @Post('mfa')
  @ApiAccess({ public: true })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Complete a sign-in with a code of the authenticator app, or a recovery code',
    description:
      'Give `code` (6 digits) or `recoveryCode`. A code is accepted once: the same code again, or an ' +
      'older one, is refused (400 naming `code`) even inside its 30-second window; a recovery code ' +
      'works once. Wrong codes count as failed logins of the account (429 once it is locked). An ' +
      'unknown, expired or used `mfaToken` is 400 naming `mfaToken`: sign in again.',
  })
  @ApiOkResponse({ type: LoginResponse })
  @ApiProblemResponses(400, 503)
  @ApiRateLimitedResponse(`Too many failed logins for this account, or: ${IP_LIMITED}`)
  mfa(@Body() body: MfaLoginBody, @Client() client: RequestClient): Promise<LoginResponse> {
    return this.bus.send(IdentitySubjects.completeMfa, { ...body, client });
  }

  @Post('refresh')
  @ApiAccess({ public: true })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Trade a refresh token for a new token pair',
    description:
      'Refresh tokens are single use. Presenting one that was already used revokes its whole session ' +
      '(every token issued from the same login) and answers 401.',
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblemResponses(400, 401, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  refresh(@Body() body: RefreshTokenBody, @Client() client: RequestClient): Promise<TokenPairResponse> {
    return this.bus.send(IdentitySubjects.refresh, { ...body, client });
  }

  @Post('logout')
  @ApiAccess({ public: true })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Revoke the session of a refresh token',
    description:
      'Idempotent: an unknown or already revoked token also answers 204. The access tokens of the ' +
      'session answer 401 on every gateway within 2 seconds.',
  })
  @ApiNoContentResponse({ description: 'The session is revoked' })
  @ApiProblemResponses(400, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  async logout(@Body() body: RefreshTokenBody, @Client() client: RequestClient): Promise<void> {
    await this.bus.send(IdentitySubjects.logout, { ...body, client });
  }

  @Post('verify-email')
  @ApiAccess({ public: true })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Confirm the email address with the token of the verification email' })
  @ApiNoContentResponse({ description: 'The email is verified' })
  @ApiProblemResponses(400, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  async verifyEmail(@Body() body: VerifyEmailBody, @Client() client: RequestClient): Promise<void> {
    await this.bus.send(IdentitySubjects.verifyEmail, { ...body, client });
  }

  @Post('forgot-password')
  @ApiAccess({ public: true })
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Email a password-reset link',
    description: 'Always 202, whether or not an account has this email. The link is valid for 1 hour.',
  })
  @ApiAcceptedResponse({ description: 'If the account exists, a reset email is on its way' })
  @ApiProblemResponses(400, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  async forgotPassword(@Body() body: ForgotPasswordBody, @Client() client: RequestClient): Promise<void> {
    await this.bus.send(IdentitySubjects.forgotPassword, { ...body, client });
  }

  @Post('reset-password')
  @ApiAccess({ public: true })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Set a new password with the token of the reset email',
    description:
      'Signs the user out of every session: their access tokens answer 401 on every gateway within 2 ' +
      'seconds. A token works once, within 1 hour.',
  })
  @ApiNoContentResponse({ description: 'The password is changed' })
  @ApiProblemResponses(400, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  async resetPassword(@Body() body: ResetPasswordBody, @Client() client: RequestClient): Promise<void> {
    await this.bus.send(IdentitySubjects.resetPassword, { ...body, client });
  }
}
