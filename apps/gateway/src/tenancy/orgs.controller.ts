import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateOrgBody,
  OrgDto,
  OrgIdParams,
  OrgListResponse,
  OrgWithRoleDto,
  PageQuery,
  TenancySubjects,
  UpdateOrgBody,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiAccess } from '../http/api-access.decorator';

@ApiTags('Organisations')
@ApiBearerAuth('user')
@Controller('orgs')
export class OrgsController {
  constructor(private readonly bus: BusClient) {}

  @Post()
  @ApiAccess({ role: 'user' })
  @ApiOperation({
    summary: 'Create an organisation; the caller becomes its owner',
    description:
      'Without `slug`, one is derived from the name (`Acme Inc` → `acme-inc`, then `acme-inc-2`...). ' +
      'A given slug that is taken answers 409.',
  })
  @ApiCreatedResponse({ type: OrgDto })
  @ApiProblemResponses(400, 401, 409, 503)
  create(@CurrentUser() user: AuthUser, @Body() body: CreateOrgBody): Promise<OrgDto> {
    return this.bus.send(TenancySubjects.createOrg, { ...body, actor: actorOf(user) });
  }

  @Get()
  @ApiAccess({ role: 'user' })
  @ApiOperation({
    summary: "The caller's organisations, each with the caller's role",
    description: 'In the order the caller joined them.',
  })
  @ApiOkResponse({ type: OrgListResponse })
  @ApiProblemResponses(400, 401, 503)
  list(@CurrentUser() user: AuthUser, @Query() query: PageQuery): Promise<OrgListResponse> {
    return this.bus.send(TenancySubjects.listOrgs, { ...query, actor: actorOf(user) });
  }

  @Get(':orgId')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({
    summary: "One organisation, with the caller's role (viewer and up)",
    description: 'An organisation the caller is not a member of answers 404, whether it exists or not.',
  })
  @ApiOkResponse({ type: OrgWithRoleDto })
  @ApiProblemResponses(400, 401, 404, 503)
  get(@CurrentUser() user: AuthUser, @Param() params: OrgIdParams): Promise<OrgWithRoleDto> {
    return this.bus.send(TenancySubjects.getOrg, { orgId: params.orgId, actor: actorOf(user) });
  }

  @Patch(':orgId')
  @ApiAccess({ role: 'admin' })
  @ApiOperation({
    summary: 'Rename the organisation or change its slug (admin); require two-factor sign-in (owner)',
    description:
      "`requireMfa` and `trustedMfaProviders` are the owner's to change (403 for an admin), and a change " +
      "the owner's own sign-in would not meet (turning `requireMfa` on without two factors, say) is 403 " +
      '`mfa-required`. Once on, members whose access token does not say two factors (`mfa` claim: they ' +
      'have none, or have not refreshed since turning them on), and whose session was not signed in ' +
      'through a provider of `trustedMfaProviders` (`mfaVia` claim), get 403, type `mfa-required`, on ' +
      "the organisation's routes and its projects' routes.",
  })
  @ApiOkResponse({ type: OrgWithRoleDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  update(
    @CurrentUser() user: AuthUser,
    @Param() params: OrgIdParams,
    @Body() body: UpdateOrgBody,
  ): Promise<OrgWithRoleDto> {
    return this.bus.send(TenancySubjects.updateOrg, { ...body, orgId: params.orgId, actor: actorOf(user) });
  }

  @Delete(':orgId')
  @ApiAccess({ role: 'owner' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete the organisation (owner)',
    description:
      'Deletes its memberships, invitations and projects; each project is deleted as by ' +
      'DELETE /v1/projects/{projectId} (its keys are revoked and its events scheduled for deletion).',
  })
  @ApiNoContentResponse({ description: 'The organisation is deleted' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async delete(@CurrentUser() user: AuthUser, @Param() params: OrgIdParams): Promise<void> {
    await this.bus.send(TenancySubjects.deleteOrg, { orgId: params.orgId, actor: actorOf(user) });
  }
}
