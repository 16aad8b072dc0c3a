import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AnalyticsEventsResponse,
  AnalyticsFilterQuery,
  AnalyticsProjectParams,
  AnalyticsSubjects,
  EventsQuery,
  FunnelBody,
  FunnelResponse,
  SummaryResponse,
  TimeseriesQuery,
  TimeseriesResponse,
  TopQuery,
  TopResponse,
  type AnalyticsCaller,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { AnalyticsRateGuard } from './analytics-rate.guard';
import { CurrentAnalyticsCaller, UserOrKey } from './user-or-key';
import { ApiAccess } from '../http/api-access.decorator';

const WHO =
  "For the project's members (viewer and up), or with an API key of this project that has `analytics:read`. " +
  "`from`/`to` default to the last 7 days; `tz` (IANA) to the project's time zone (UTC with an API key). " +
  'A query that would run past its time budget (ANALYTICS_QUERY_BUDGET_MS, 4 s) is stopped and answered 422 ' +
  'naming `from`: narrow the range. A range may span at most ANALYTICS_MAX_RANGE_DAYS (400 on `from` beyond), ' +
  'and a caller may make ANALYTICS_REQUESTS_PER_MINUTE queries a minute (429 with Retry-After beyond).';

@ApiTags('Analytics')
@Controller('projects/:projectId/analytics')
// Decorators apply bottom-up: the key is authenticated (UserOrKey) before its queries are counted.
@UseGuards(AnalyticsRateGuard)
@UserOrKey('analytics:read')
export class AnalyticsController {
  constructor(private readonly bus: BusClient) {}

  @Get('summary')
  @ApiAccess({ role: 'viewer', scopes: ['analytics:read'] })
  @ApiOperation({
    summary: 'Totals of the range: events, people, sessions, pageviews, web3',
    description: WHO,
  })
  @ApiOkResponse({ type: SummaryResponse })
  @ApiProblemResponses(400, 404, 422, 429, 503)
  summary(
    @CurrentAnalyticsCaller() caller: AnalyticsCaller,
    @Param() params: AnalyticsProjectParams,
    @Query() query: AnalyticsFilterQuery,
  ): Promise<SummaryResponse> {
    return this.bus.send(AnalyticsSubjects.summary, { ...query, projectId: params.projectId, caller });
  }

  @Get('timeseries')
  @ApiAccess({ role: 'viewer', scopes: ['analytics:read'] })
  @ApiOperation({
    summary: 'One metric per minute, hour or day, zero-filled',
    description: `${WHO} Buckets start on the clock of \`tz\`; at most 1500 points (400 on \`interval\` beyond).`,
  })
  @ApiOkResponse({ type: TimeseriesResponse })
  @ApiProblemResponses(400, 404, 422, 429, 503)
  timeseries(
    @CurrentAnalyticsCaller() caller: AnalyticsCaller,
    @Param() params: AnalyticsProjectParams,
    @Query() query: TimeseriesQuery,
  ): Promise<TimeseriesResponse> {
    return this.bus.send(AnalyticsSubjects.timeseries, { ...query, projectId: params.projectId, caller });
  }

  @Get('top')
  @ApiAccess({ role: 'viewer', scopes: ['analytics:read'] })
  @ApiOperation({
    summary: 'The most frequent values of a dimension, with their events and people',
    description: WHO,
  })
  @ApiOkResponse({ type: TopResponse })
  @ApiProblemResponses(400, 404, 422, 429, 503)
  top(
    @CurrentAnalyticsCaller() caller: AnalyticsCaller,
    @Param() params: AnalyticsProjectParams,
    @Query() query: TopQuery,
  ): Promise<TopResponse> {
    return this.bus.send(AnalyticsSubjects.top, { ...query, projectId: params.projectId, caller });
  }

  @Post('funnel')
  @ApiAccess({ role: 'viewer', scopes: ['analytics:read'] })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'People who did the steps in order within the window',
    description: `${WHO} Range and filters come from the query string. \`conversion\` is relative to the first step.`,
  })
  @ApiOkResponse({ type: FunnelResponse })
  @ApiProblemResponses(400, 404, 422, 429, 503)
  funnel(
    @CurrentAnalyticsCaller() caller: AnalyticsCaller,
    @Param() params: AnalyticsProjectParams,
    @Query() query: AnalyticsFilterQuery,
    @Body() body: FunnelBody,
  ): Promise<FunnelResponse> {
    return this.bus.send(AnalyticsSubjects.funnel, {
      ...query,
      ...body,
      projectId: params.projectId,
      caller,
    });
  }

  @Get('events')
  @ApiAccess({ role: 'viewer', scopes: ['analytics:read'] })
  @ApiOperation({ summary: 'The newest events, for a live view (cursor-paginated)', description: WHO })
  @ApiOkResponse({ type: AnalyticsEventsResponse })
  @ApiProblemResponses(400, 404, 422, 429, 503)
  events(
    @CurrentAnalyticsCaller() caller: AnalyticsCaller,
    @Param() params: AnalyticsProjectParams,
    @Query() query: EventsQuery,
  ): Promise<AnalyticsEventsResponse> {
    return this.bus.send(AnalyticsSubjects.events, { ...query, projectId: params.projectId, caller });
  }
}
