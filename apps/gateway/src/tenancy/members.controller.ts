import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  MemberListResponse,
  MemberParams,
  MembershipDto,
  OrgIdParams,
  PageQuery,
  TenancySubjects,
  UpdateMemberBody,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiAccess } from '../http/api-access.decorator';

const LAST_OWNER = 'An organisation always keeps at least one owner: 409 when the change would leave none.';

@ApiTags('Organisations')
@ApiBearerAuth('user')
@Controller('orgs/:orgId/members')
export class MembersController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: 'The members of the organisation, oldest first (viewer and up)' })
  @ApiOkResponse({ type: MemberListResponse })
  @ApiProblemResponses(400, 401, 404, 503)
  list(
    @CurrentUser() user: AuthUser,
    @Param() params: OrgIdParams,
    @Query() query: PageQuery,
  ): Promise<MemberListResponse> {
    return this.bus.send(TenancySubjects.listMembers, {
      ...query,
      orgId: params.orgId,
      actor: actorOf(user),
    });
  }

  @Patch(':userId')
  @ApiAccess({ role: 'admin' })
  @ApiOperation({
    summary: "Change a member's role (admin; only an owner grants or removes `owner`)",
    description: LAST_OWNER,
  })
  @ApiOkResponse({ type: MembershipDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  update(
    @CurrentUser() user: AuthUser,
    @Param() params: MemberParams,
    @Body() body: UpdateMemberBody,
  ): Promise<MembershipDto> {
    return this.bus.send(TenancySubjects.updateMember, {
      ...body,
      orgId: params.orgId,
      userId: params.userId,
      actor: actorOf(user),
    });
  }

  @Delete(':userId')
  @ApiAccess({ role: 'admin' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Remove a member (admin), or leave (any member, with their own user id)',
    description: `Only an owner removes another owner. ${LAST_OWNER}`,
  })
  @ApiNoContentResponse({ description: 'The member is removed' })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  async remove(@CurrentUser() user: AuthUser, @Param() params: MemberParams): Promise<void> {
    await this.bus.send(TenancySubjects.removeMember, {
      orgId: params.orgId,
      userId: params.userId,
      actor: actorOf(user),
    });
  }
}
