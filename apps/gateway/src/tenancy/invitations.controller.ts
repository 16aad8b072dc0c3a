import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  AcceptInvitationBody,
  CreateInvitationBody,
  InvitationDto,
  InvitationListResponse,
  InvitationParams,
  MembershipDto,
  OrgIdParams,
  PageQuery,
  TenancySubjects,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiRateLimitedResponse } from '../identity/api-rate-limited.decorator';
import { ApiAccess } from '../http/api-access.decorator';

@ApiTags('Organisations')
@ApiBearerAuth('user')
@Controller()
export class InvitationsController {
  constructor(private readonly bus: BusClient) {}

  @Post('orgs/:orgId/invitations')
  @ApiAccess({ role: 'admin' })
  @ApiOperation({
    summary: 'Invite an email address into the organisation (admin; only an owner invites an owner)',
    description:
      'Emails a link with a single-use token, valid 7 days. Inviting an address again replaces its ' +
      'pending invitation: only the newest link works. The inviter needs a verified email (403, type ' +
      '`email-not-verified`); a user may send INVITATIONS_PER_USER_PER_HOUR invitations an hour (50 by ' +
      'default) and an organisation INVITATIONS_PER_ORG_PER_HOUR (200), then 429 with Retry-After.',
  })
  @ApiCreatedResponse({ type: InvitationDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  @ApiRateLimitedResponse('Too many invitations this hour, by you or by your organisation')
  create(
    @CurrentUser() user: AuthUser,
    @Param() params: OrgIdParams,
    @Body() body: CreateInvitationBody,
  ): Promise<InvitationDto> {
    return this.bus.send(TenancySubjects.createInvitation, {
      ...body,
      orgId: params.orgId,
      actor: actorOf(user),
    });
  }

  @Get('orgs/:orgId/invitations')
  @ApiAccess({ role: 'admin' })
  @ApiOperation({ summary: 'Pending invitations (not accepted, not expired), oldest first (admin)' })
  @ApiOkResponse({ type: InvitationListResponse })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  list(
    @CurrentUser() user: AuthUser,
    @Param() params: OrgIdParams,
    @Query() query: PageQuery,
  ): Promise<InvitationListResponse> {
    return this.bus.send(TenancySubjects.listInvitations, {
      ...query,
      orgId: params.orgId,
      actor: actorOf(user),
    });
  }

  @Delete('orgs/:orgId/invitations/:invitationId')
  @ApiAccess({ role: 'admin' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Revoke a pending invitation (admin): its emailed link stops working',
    description: 'An invitation already accepted, or unknown in this organisation, is a 404.',
  })
  @ApiNoContentResponse({ description: 'The invitation is revoked' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async revoke(@CurrentUser() user: AuthUser, @Param() params: InvitationParams): Promise<void> {
    await this.bus.send(TenancySubjects.revokeInvitation, {
      orgId: params.orgId,
      invitationId: params.invitationId,
      actor: actorOf(user),
    });
  }

  @Post('invitations/accept')
  @ApiAccess({ role: 'user' })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Accept an invitation: the caller joins the organisation with the invited role',
    description:
      'The token is single use. **400** (naming `token`) when it is unknown, already used or expired. ' +
      "**403** when the caller's email is not the invited address, or is not verified yet: verify it " +
      '(POST /v1/auth/verify-email) and accept again; since anyone can register any address, only a ' +
      'verified one proves the invitee holds the account. **409** when the caller is already a member.',
  })
  @ApiOkResponse({ type: MembershipDto })
  @ApiProblemResponses(400, 401, 403, 409, 503)
  accept(@CurrentUser() user: AuthUser, @Body() body: AcceptInvitationBody): Promise<MembershipDto> {
    return this.bus.send(TenancySubjects.acceptInvitation, { ...body, actor: actorOf(user) });
  }
}
