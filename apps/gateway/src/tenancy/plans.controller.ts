import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrgIdParams, OrgPlanDto, PlanDto, SetOrgPlanBody, TenancySubjects } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiAccess } from '../http/api-access.decorator';
import { OrgPlans } from './org-plans';

const LIMITS =
  'Past `maxProjects`, `maxMembers` (pending invitations included when inviting) or `maxKeys` (active keys), ' +
  'creating one more answers 403 with problem type `plan-limit` and the limit in `limit`.';

@ApiTags('Plans')
@Controller()
export class PlansController {
  constructor(
    private readonly bus: BusClient,
    private readonly orgPlans: OrgPlans,
  ) {}

  @Get('plans')
  @ApiAccess({ public: true })
  @Public()
  @ApiOperation({ summary: "The platform's plans; public, no credentials needed", description: LIMITS })
  @ApiOkResponse({ type: [PlanDto] })
  @ApiProblemResponses(503)
  list(): Promise<PlanDto[]> {
    return this.bus.send(TenancySubjects.listPlans, {});
  }

  @Get('orgs/:orgId/plan')
  @ApiAccess({ role: 'viewer' })
  @ApiBearerAuth('user')
  @ApiOperation({
    summary: "The organisation's plan and its usage this period (viewer and up)",
    description:
      'The period is the current calendar month in UTC (`start` inclusive, `end` exclusive). `projects`, ' +
      '`members` and `keys` (active: neither revoked nor expired) are counted now; `events` are those ' +
      `accepted this period. ${LIMITS}`,
  })
  @ApiOkResponse({ type: OrgPlanDto })
  @ApiProblemResponses(400, 401, 404, 503)
  get(@CurrentUser() user: AuthUser, @Param() params: OrgIdParams): Promise<OrgPlanDto> {
    return this.orgPlans.get(actorOf(user), params.orgId);
  }

  @Put('orgs/:orgId/plan')
  @ApiAccess({ role: 'platform-admin' })
  @ApiBearerAuth('user')
  @ApiOperation({
    summary: 'Put the organisation on another plan (platform admins only)',
    description:
      'Platform admins only (a verified email of NORTHSTAR_ADMIN_EMAILS), whether or not they are members; ' +
      'other users get 403. An unknown `planId` is 400. A smaller plan deletes nothing: what is over its ' +
      'limits stays, and only new projects, members and keys are refused. Answers as GET does.',
  })
  @ApiOkResponse({ type: OrgPlanDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  change(
    @CurrentUser() user: AuthUser,
    @Param() params: OrgIdParams,
    @Body() body: SetOrgPlanBody,
  ): Promise<OrgPlanDto> {
    return this.orgPlans.change(actorOf(user), params.orgId, body.planId);
  }
}
