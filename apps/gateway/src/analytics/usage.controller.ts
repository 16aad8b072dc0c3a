import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AnalyticsSubjects,
  KeyIdParams,
  KeyUsageQuery,
  KeyUsageResponse,
  OrgUsageParams,
  OrgUsageResponse,
  UsageRangeQuery,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiAccess } from '../http/api-access.decorator';

/** The developer-portal usage routes, for members of the organisation (viewer and up). */
@ApiTags('Usage')
@ApiBearerAuth('user')
@Controller()
export class UsageController {
  constructor(private readonly bus: BusClient) {}

  @Get('keys/:keyId/usage')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({
    summary: 'Requests made with a key, by UTC hour or day and by chain (viewer and up)',
    description:
      'Counted by the gateways in UTC hours and reported every few seconds, so the last seconds may be ' +
      'missing. `from` is rounded down and `to` up to the interval; the answer says the range counted. ' +
      'Default: the last 30 days by day; at most 1500 points (400 on `interval` beyond). ' +
      "`byChain[].chain` is null for requests that were not RPC calls. `rpc` holds the RPC edge's own " +
      'counts per chain and method from Prometheus (rounded `increase()` estimates), or null when the ' +
      'platform has no Prometheus configured.',
  })
  @ApiOkResponse({ type: KeyUsageResponse })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  keyUsage(
    @CurrentUser() user: AuthUser,
    @Param() params: KeyIdParams,
    @Query() query: KeyUsageQuery,
  ): Promise<KeyUsageResponse> {
    return this.bus.send(AnalyticsSubjects.keyUsage, { ...query, keyId: params.keyId, actor: actorOf(user) });
  }

  @Get('orgs/:orgId/usage')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({
    summary: 'Events ingested and key requests per project and UTC day (viewer and up)',
    description:
      'One entry per current project of the organisation, each with every UTC day of the range (zeros ' +
      'included) and its sums, plus the totals. `from` is rounded down and `to` up to whole UTC days; ' +
      'default the last 30 days, at most 92 days. Events count each event id once; key requests are ' +
      "those made with the project's API keys.",
  })
  @ApiOkResponse({ type: OrgUsageResponse })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  orgUsage(
    @CurrentUser() user: AuthUser,
    @Param() params: OrgUsageParams,
    @Query() query: UsageRangeQuery,
  ): Promise<OrgUsageResponse> {
    return this.bus.send(AnalyticsSubjects.orgUsage, { ...query, orgId: params.orgId, actor: actorOf(user) });
  }
}
