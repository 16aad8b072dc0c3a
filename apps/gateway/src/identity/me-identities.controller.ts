import { Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdentityIdParams, IdentitySubjects, LinkedIdentityListResponse } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { principalOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';

/** The single sign-on identities linked to the signed-in user. */
@ApiTags('Account')
@ApiBearerAuth('user')
@Controller('me/identities')
export class MeIdentitiesController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiAccess({ role: 'user' })
  @ApiOperation({
    summary: 'The provider identities the user can sign in with, oldest first',
    description: '`hasPassword` says whether the account also has a password.',
  })
  @ApiOkResponse({ type: LinkedIdentityListResponse })
  @ApiProblemResponses(401, 503)
  list(@CurrentUser() user: AuthUser): Promise<LinkedIdentityListResponse> {
    return this.bus.send(IdentitySubjects.listIdentities, { principal: principalOf(user) });
  }

  @Delete(':id')
  @ApiAccess({ role: 'user' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Unlink a provider identity',
    description:
      'It no longer signs in to this account (signing in with it again would link it again, by its ' +
      'verified email). 409 when it is the last way in: no password and no other identity. ' +
      "Another user's identity is 404.",
  })
  @ApiNoContentResponse({ description: 'The identity is unlinked' })
  @ApiProblemResponses(400, 401, 404, 409, 503)
  async unlink(@CurrentUser() user: AuthUser, @Param() params: IdentityIdParams): Promise<void> {
    await this.bus.send(IdentitySubjects.unlinkIdentity, {
      principal: principalOf(user),
      identityId: params.id,
    });
  }
}
