import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  IdentitySubjects,
  ListSessionsQuery,
  SessionIdParams,
  SessionListResponse,
  UpdateMeBody,
  UserDto,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { principalOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiRateLimitedResponse } from './api-rate-limited.decorator';
import { ApiAccess } from '../http/api-access.decorator';

/** The signed-in user's own account and sessions. */
@ApiTags('Account')
@ApiBearerAuth('user')
@Controller('me')
export class MeController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiAccess({ role: 'user' })
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblemResponses(401, 503)
  me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return this.bus.send(IdentitySubjects.me, { principal: principalOf(user) });
  }

  @Patch()
  @ApiAccess({ role: 'user' })
  @ApiOperation({
    summary: 'Change the name and/or the password',
    description:
      'A new `password` needs `currentPassword` (400 naming `currentPassword` when missing or wrong; ' +
      'wrong guesses count as failed logins). Changing the password signs out every other session, ' +
      'their access tokens included (401 within 2 seconds).',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiProblemResponses(400, 401, 503)
  @ApiRateLimitedResponse('Too many wrong current passwords: the account is locked for a while')
  update(@CurrentUser() user: AuthUser, @Body() body: UpdateMeBody): Promise<UserDto> {
    return this.bus.send(IdentitySubjects.updateMe, { ...body, principal: principalOf(user) });
  }

  @Get('sessions')
  @ApiAccess({ role: 'user' })
  @ApiOperation({
    summary: 'The live sessions (logins) of the user, newest first',
    description: '`current` marks the session of the access token of this request.',
  })
  @ApiOkResponse({ type: SessionListResponse })
  @ApiProblemResponses(400, 401, 503)
  sessions(@CurrentUser() user: AuthUser, @Query() query: ListSessionsQuery): Promise<SessionListResponse> {
    return this.bus.send(IdentitySubjects.listSessions, { ...query, principal: principalOf(user) });
  }

  @Delete('sessions/:id')
  @ApiAccess({ role: 'user' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Sign out one session',
    description:
      "Its refresh token stops working at once, its access tokens answer 401 on every gateway within 2 seconds. Another user's session is 404.",
  })
  @ApiNoContentResponse({ description: 'The session is revoked' })
  @ApiProblemResponses(400, 401, 404, 503)
  async revokeSession(@CurrentUser() user: AuthUser, @Param() params: SessionIdParams): Promise<void> {
    await this.bus.send(IdentitySubjects.revokeSession, {
      principal: principalOf(user),
      sessionId: params.id,
    });
  }
}
