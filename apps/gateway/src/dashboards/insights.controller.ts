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
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import {
  AnalyticsProjectParams,
  CreateInsightBody,
  DashboardsSubjects,
  InsightDataQuery,
  InsightDataResponse,
  InsightDto,
  InsightIdParams,
  InsightListResponse,
  UpdateInsightBody,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import type { FastifyReply } from 'fastify';
import { AnalyticsRateGuard } from '../analytics/analytics-rate.guard';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';

const KINDS =
  'An insight is a saved analytics query: `kind` (summary, timeseries, top, funnel, metric) and `params`, ' +
  "validated exactly as the kind's analytics route validates its query (400 naming `params.<field>`). " +
  '`metric` insights answer the custom metric series of GET /v1/projects/:projectId/metrics/:name.';

@ApiTags('Dashboards')
@ApiBearerAuth('user')
@Controller()
export class InsightsController {
  constructor(private readonly bus: BusClient) {}

  @Post('projects/:projectId/insights')
  @ApiAccess({ role: 'member' })
  @ApiOperation({ summary: 'Save an insight (member and up)', description: KINDS })
  @ApiCreatedResponse({ type: InsightDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 503)
  create(
    @CurrentUser() user: AuthUser,
    @Param() params: AnalyticsProjectParams,
    @Body() body: CreateInsightBody,
  ): Promise<InsightDto> {
    return this.bus.send(DashboardsSubjects.createInsight, {
      ...body,
      projectId: params.projectId,
      actor: actorOf(user),
    });
  }

  @Get('projects/:projectId/insights')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: "The project's insights, oldest first (viewer and up)" })
  @ApiOkResponse({ type: InsightListResponse })
  @ApiProblemResponses(400, 401, 404, 503)
  list(@CurrentUser() user: AuthUser, @Param() params: AnalyticsProjectParams): Promise<InsightListResponse> {
    return this.bus.send(DashboardsSubjects.listInsights, {
      projectId: params.projectId,
      actor: actorOf(user),
    });
  }

  @Get('insights/:insightId')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: 'An insight (viewer and up)' })
  @ApiOkResponse({ type: InsightDto })
  @ApiProblemResponses(400, 401, 404, 503)
  get(@CurrentUser() user: AuthUser, @Param() params: InsightIdParams): Promise<InsightDto> {
    return this.bus.send(DashboardsSubjects.getInsight, {
      insightId: params.insightId,
      actor: actorOf(user),
    });
  }

  @Patch('insights/:insightId')
  @ApiAccess({ role: 'member' })
  @ApiOperation({
    summary: 'Rename an insight or change its query (member and up)',
    description: `${KINDS} \`params\` replace the stored ones as a whole; a new \`kind\` needs its \`params\`.`,
  })
  @ApiOkResponse({ type: InsightDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  update(
    @CurrentUser() user: AuthUser,
    @Param() params: InsightIdParams,
    @Body() body: UpdateInsightBody,
  ): Promise<InsightDto> {
    return this.bus.send(DashboardsSubjects.updateInsight, {
      ...body,
      insightId: params.insightId,
      actor: actorOf(user),
    });
  }

  @Delete('insights/:insightId')
  @ApiAccess({ role: 'member' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete an insight (member and up)',
    description: 'It leaves every dashboard too.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async delete(@CurrentUser() user: AuthUser, @Param() params: InsightIdParams): Promise<void> {
    await this.bus.send(DashboardsSubjects.deleteInsight, {
      insightId: params.insightId,
      actor: actorOf(user),
    });
  }

  @Get('insights/:insightId/data')
  @UseGuards(AnalyticsRateGuard)
  @ApiAccess({ role: 'viewer' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary: "The insight's result (viewer and up); `?format=csv` for a CSV file",
    description:
      "The answer of the kind's analytics route for the saved query, from the same cache. `from`, `to` " +
      "and `tz` override the insight's own. CSV: one header row, a flat layout per kind (summary " +
      '`metric,value`; timeseries `t,value`; top `value,count,users`; funnel `step,event,users,conversion`), ' +
      "text cells that a spreadsheet would run as a formula (= + - @) prefixed with `'`. Counts toward " +
      'ANALYTICS_REQUESTS_PER_MINUTE.',
  })
  @ApiOkResponse({ type: InsightDataResponse })
  @ApiProblemResponses(400, 401, 404, 422, 429, 503)
  async data(
    @CurrentUser() user: AuthUser,
    @Param() params: InsightIdParams,
    @Query() query: InsightDataQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InsightDataResponse | string> {
    const { format, ...overrides } = query;
    const request = { ...overrides, insightId: params.insightId, actor: actorOf(user) };
    if (format !== 'csv') return this.bus.send(DashboardsSubjects.insightData, request);
    const { filename, csv } = await this.bus.send(DashboardsSubjects.insightCsv, request);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`);
    return csv;
  }
}
