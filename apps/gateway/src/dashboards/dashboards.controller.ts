import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  Req,
  UseGuards,
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
  AnalyticsProjectParams,
  CreateDashboardBody,
  DashboardDto,
  DashboardIdParams,
  DashboardListResponse,
  DashboardsSubjects,
  DataOverrideQuery,
  UpdateDashboardBody,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import type { FastifyRequest } from 'fastify';
import { AnalyticsRateGuard } from '../analytics/analytics-rate.guard';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { GatewayConfig } from '../config';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { DashboardDataDto, ShareLinkDto } from './dashboards.openapi';
import { withItemProblems } from './item-problem';

const LAYOUT =
  '`items` are insights of the same project (400 naming `items.N.insightId` otherwise), shown by ' +
  '`position`. `range` is `{ lastHours }` or `{ from?, to? }`; with `timezone` it applies to every ' +
  "insight instead of its own range and the project's zone.";

@ApiTags('Dashboards')
@ApiBearerAuth('user')
@Controller()
export class DashboardsController {
  constructor(
    private readonly bus: BusClient,
    private readonly config: GatewayConfig,
  ) {}

  @Post('projects/:projectId/dashboards')
  @ApiAccess({ role: 'member' })
  @ApiOperation({ summary: 'Create a dashboard (member and up)', description: LAYOUT })
  @ApiCreatedResponse({ type: DashboardDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 503)
  create(
    @CurrentUser() user: AuthUser,
    @Param() params: AnalyticsProjectParams,
    @Body() body: CreateDashboardBody,
  ): Promise<DashboardDto> {
    return this.bus.send(DashboardsSubjects.createDashboard, {
      ...body,
      projectId: params.projectId,
      actor: actorOf(user),
    });
  }

  @Get('projects/:projectId/dashboards')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: "The project's dashboards, oldest first (viewer and up)" })
  @ApiOkResponse({ type: DashboardListResponse })
  @ApiProblemResponses(400, 401, 404, 503)
  list(
    @CurrentUser() user: AuthUser,
    @Param() params: AnalyticsProjectParams,
  ): Promise<DashboardListResponse> {
    return this.bus.send(DashboardsSubjects.listDashboards, {
      projectId: params.projectId,
      actor: actorOf(user),
    });
  }

  @Get('dashboards/:dashboardId')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: 'A dashboard (viewer and up)' })
  @ApiOkResponse({ type: DashboardDto })
  @ApiProblemResponses(400, 401, 404, 503)
  get(@CurrentUser() user: AuthUser, @Param() params: DashboardIdParams): Promise<DashboardDto> {
    return this.bus.send(DashboardsSubjects.getDashboard, {
      dashboardId: params.dashboardId,
      actor: actorOf(user),
    });
  }

  @Patch('dashboards/:dashboardId')
  @ApiAccess({ role: 'member' })
  @ApiOperation({
    summary: 'Change a dashboard (member and up)',
    description: `${LAYOUT} \`items\` replace the layout.`,
  })
  @ApiOkResponse({ type: DashboardDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  update(
    @CurrentUser() user: AuthUser,
    @Param() params: DashboardIdParams,
    @Body() body: UpdateDashboardBody,
  ): Promise<DashboardDto> {
    return this.bus.send(DashboardsSubjects.updateDashboard, {
      ...body,
      dashboardId: params.dashboardId,
      actor: actorOf(user),
    });
  }

  @Delete('dashboards/:dashboardId')
  @ApiAccess({ role: 'member' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a dashboard and its share link (member and up)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async delete(@CurrentUser() user: AuthUser, @Param() params: DashboardIdParams): Promise<void> {
    await this.bus.send(DashboardsSubjects.deleteDashboard, {
      dashboardId: params.dashboardId,
      actor: actorOf(user),
    });
  }

  @Get('dashboards/:dashboardId/data')
  @UseGuards(AnalyticsRateGuard)
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({
    summary: 'Every insight of the dashboard evaluated at once (viewer and up)',
    description:
      "`{ items: [{ insightId, kind, data }] }` in position order, each `data` what the insight's own " +
      'route answers (evaluated in parallel, each from the analytics cache when fresh). `from`, `to` and ' +
      "`tz` override the dashboard's range and zone. An insight that fails has `error` (problem details: " +
      'type, title, status, detail) instead of `data`; the others still answer. One request toward ' +
      'ANALYTICS_REQUESTS_PER_MINUTE.',
  })
  @ApiOkResponse({ type: DashboardDataDto })
  @ApiProblemResponses(400, 401, 404, 429, 503)
  async data(
    @CurrentUser() user: AuthUser,
    @Param() params: DashboardIdParams,
    @Query() query: DataOverrideQuery,
  ) {
    return withItemProblems(
      await this.bus.send(DashboardsSubjects.dashboardData, {
        ...query,
        dashboardId: params.dashboardId,
        actor: actorOf(user),
      }),
    );
  }

  @Post('dashboards/:dashboardId/share')
  @ApiAccess({ role: 'member' })
  // The token is shown this once: no cache may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Make a read-only share link of the dashboard (member and up)',
    description:
      '`{ token, url }`: anyone with `url` (GET /v1/shared/dashboards/{token}, no sign-in) reads the ' +
      'dashboard and its data, nothing else. The token is shown once (only its hash is kept); a new ' +
      'link replaces the previous one, which stops working.',
  })
  @ApiCreatedResponse({ type: ShareLinkDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async share(
    @CurrentUser() user: AuthUser,
    @Param() params: DashboardIdParams,
    @Req() request: FastifyRequest,
  ): Promise<ShareLinkDto> {
    const { token, path } = await this.bus.send(DashboardsSubjects.share, {
      dashboardId: params.dashboardId,
      actor: actorOf(user),
    });
    const origin = this.config.PUBLIC_API_URL || `${request.protocol}://${request.host}`;
    return { token, url: `${origin.replace(/\/$/, '')}${path}` };
  }

  @Delete('dashboards/:dashboardId/share')
  @ApiAccess({ role: 'member' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: "Revoke the dashboard's share link (member and up)",
    description: 'The link answers 404 at once.',
  })
  @ApiNoContentResponse({ description: 'Revoked (or there was none)' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async unshare(@CurrentUser() user: AuthUser, @Param() params: DashboardIdParams): Promise<void> {
    await this.bus.send(DashboardsSubjects.unshare, {
      dashboardId: params.dashboardId,
      actor: actorOf(user),
    });
  }
}
