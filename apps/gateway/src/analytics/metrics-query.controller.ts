import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AnalyticsProjectParams,
  AnalyticsSubjects,
  MAX_METRIC_SERIES,
  MetricNameParams,
  MetricNamesResponse,
  MetricSeriesQuery,
  MetricSeriesResponse,
  type AnalyticsCaller,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { AnalyticsRateGuard } from './analytics-rate.guard';
import { CurrentAnalyticsCaller, UserOrKey } from './user-or-key';

const WHO =
  "For the project's members (viewer and up), or with an API key of this project that has `analytics:read`; " +
  'counted with the other analytics queries (ANALYTICS_REQUESTS_PER_MINUTE).';

/** Custom metrics sent with POST /v1/metrics, read like the events' time series. */
@ApiTags('Metrics')
@Controller('projects/:projectId/metrics')
@UseGuards(AnalyticsRateGuard)
@UserOrKey('analytics:read')
export class MetricsQueryController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiAccess({ role: 'viewer', scopes: ['analytics:read'] })
  @ApiOperation({
    summary: 'The custom metric names of the project, with the tag keys seen',
    description: WHO,
  })
  @ApiOkResponse({ type: MetricNamesResponse })
  @ApiProblemResponses(400, 404, 422, 429, 503)
  names(
    @CurrentAnalyticsCaller() caller: AnalyticsCaller,
    @Param() params: AnalyticsProjectParams,
  ): Promise<MetricNamesResponse> {
    return this.bus.send(AnalyticsSubjects.metricNames, { projectId: params.projectId, caller });
  }

  @Get(':name')
  @ApiAccess({ role: 'viewer', scopes: ['analytics:read'] })
  @ApiOperation({
    summary: 'One custom metric per minute, hour or day, aggregated and zero-filled',
    description:
      `${WHO} Range, time zone and their limits as the events' time series: \`from\`/\`to\` default to the ` +
      "last 7 days, `tz` to the project's zone (UTC with a key), at most 1500 buckets (400 on `interval` " +
      'beyond) and ANALYTICS_MAX_RANGE_DAYS (400 on `from`). `agg`: sum, avg (default), min, max, count, ' +
      'or the percentiles p50, p95, p99 (estimated from a sample of up to 8192 points per bucket). Empty ' +
      `buckets are 0. With \`groupBy\` (a tag key): \`series\`, one per value of that tag, the ${MAX_METRIC_SERIES} ` +
      'with the most points in the range. `tag=key:value` keeps only the points with that tag value.',
  })
  @ApiOkResponse({ type: MetricSeriesResponse })
  @ApiProblemResponses(400, 404, 422, 429, 503)
  series(
    @CurrentAnalyticsCaller() caller: AnalyticsCaller,
    @Param() params: MetricNameParams,
    @Query() query: MetricSeriesQuery,
  ): Promise<MetricSeriesResponse> {
    return this.bus.send(AnalyticsSubjects.metricSeries, {
      ...query,
      projectId: params.projectId,
      name: params.name,
      caller,
    });
  }
}
