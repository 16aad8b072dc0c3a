import { Body, Controller, Delete, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  DisableTotpBody,
  IdentitySubjects,
  RecoveryCodesResponse,
  TotpCodeBody,
  TotpEnrolmentResponse,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { principalOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiRateLimitedResponse } from './api-rate-limited.decorator';

const LOCKED = 'Too many wrong codes or passwords: the account is locked for a while';
const WRONG_CODE =
  'A wrong, expired or already used `code` is 400 naming `code`, and counts as a failed login of the account.';

/** The signed-in user's second factor: an authenticator app (TOTP) and its recovery codes. */
@ApiTags('Account')
@ApiBearerAuth('user')
@Controller('me/mfa')
export class MfaController {
  constructor(private readonly bus: BusClient) {}

  @Post('totp')
  @ApiAccess({ role: 'user' })
  @ApiOperation({
    summary: 'Start enrolling an authenticator app',
    description:
      'Answers a new secret, its `otpauth://` URI and that URI as a QR code. Nothing changes until ' +
      'POST /v1/me/mfa/totp/confirm; starting again replaces a pending enrolment. 409 when two-factor ' +
      'sign-in is already on.',
  })
  @ApiCreatedResponse({ type: TotpEnrolmentResponse })
  @ApiProblemResponses(401, 409, 503)
  enrol(@CurrentUser() user: AuthUser): Promise<TotpEnrolmentResponse> {
    return this.bus.send(IdentitySubjects.enrolTotp, { principal: principalOf(user) });
  }

  @Post('totp/confirm')
  @ApiAccess({ role: 'user' })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Turn two-factor sign-in on with a first code of the app',
    description:
      'Answers 10 recovery codes, shown this once. From now on a sign-in owes a code; access tokens ' +
      `carry \`mfa: true\` from the next refresh. ${WRONG_CODE} 409 without a pending enrolment.`,
  })
  @ApiOkResponse({ type: RecoveryCodesResponse })
  @ApiProblemResponses(400, 401, 409, 503)
  @ApiRateLimitedResponse(LOCKED)
  confirm(@CurrentUser() user: AuthUser, @Body() body: TotpCodeBody): Promise<RecoveryCodesResponse> {
    return this.bus.send(IdentitySubjects.confirmTotp, { ...body, principal: principalOf(user) });
  }

  @Delete('totp')
  @ApiAccess({ role: 'user' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Turn two-factor sign-in off (needs the password and a code)',
    description: `Removes the app and the recovery codes. A wrong \`password\` is 400 naming it. ${WRONG_CODE}`,
  })
  @ApiNoContentResponse({ description: 'Two-factor sign-in is off' })
  @ApiProblemResponses(400, 401, 409, 503)
  @ApiRateLimitedResponse(LOCKED)
  async disable(@CurrentUser() user: AuthUser, @Body() body: DisableTotpBody): Promise<void> {
    await this.bus.send(IdentitySubjects.disableTotp, { ...body, principal: principalOf(user) });
  }

  @Post('recovery-codes')
  @ApiAccess({ role: 'user' })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'New recovery codes for a code of the app; the old ones stop working',
    description: `${WRONG_CODE} 409 when two-factor sign-in is not on.`,
  })
  @ApiOkResponse({ type: RecoveryCodesResponse })
  @ApiProblemResponses(400, 401, 409, 503)
  @ApiRateLimitedResponse(LOCKED)
  regenerate(@CurrentUser() user: AuthUser, @Body() body: TotpCodeBody): Promise<RecoveryCodesResponse> {
    return this.bus.send(IdentitySubjects.regenerateRecoveryCodes, { ...body, principal: principalOf(user) });
  }
}
