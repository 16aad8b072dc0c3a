import { Controller, Get, Header, Param, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DashboardsSubjects, SharedDashboardParams } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { Public } from '../auth/public.decorator';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { SharedDashboardDto } from './dashboards.openapi';
import { withItemProblems } from './item-problem';
import { SharedDashboardRateGuard } from './shared-dashboard-rate.guard';

@ApiTags('Dashboards')
@Controller()
export class SharedDashboardsController {
  constructor(private readonly bus: BusClient) {}

  @Get('shared/dashboards/:token')
  @Public()
  @UseGuards(SharedDashboardRateGuard)
  @ApiAccess({ public: true })
  // The page may be public; the token in its address should not travel further in a Referer.
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'A shared dashboard and its data (no sign-in: the token is the credential)',
    description:
      '`{ name, range, timezone, items: [{ position, name, kind, data | error }] }`: no ids, nothing of ' +
      'the organisation or its people, no other dashboard. 404 for an unknown or revoked token. At most ' +
      'SHARED_DASHBOARD_REQUESTS_PER_MINUTE reads a minute per link and per client address (429 beyond).',
  })
  @ApiOkResponse({ type: SharedDashboardDto })
  @ApiProblemResponses(400, 404, 429, 503)
  async read(@Param() params: SharedDashboardParams) {
    return withItemProblems(await this.bus.send(DashboardsSubjects.shared, { token: params.token }));
  }
}
