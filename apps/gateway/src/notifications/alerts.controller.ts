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
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  AlertDto,
  AlertHistoryResponse,
  AlertIdParams,
  AlertListResponse,
  AlertsSubjects,
  AlertTestResponse,
  CreateAlertBody,
  PageQuery,
  ProjectAlertsParams,
  UpdateAlertBody,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiRateLimitedResponse } from '../identity/api-rate-limited.decorator';
import { ApiAccess } from '../http/api-access.decorator';

const WEBHOOK_SECRET =
  'A webhook channel given without `secret` gets a generated one (`whsec_` and 32 random bytes in ' +
  'base64), returned as `secret` in this answer only: save it to verify `webhook-signature` (Standard ' +
  'Webhooks) or `X-Northstar-Signature`. ' +
  'Later answers show only `secretHint`, its last 4 characters.';

const CHAT_CHANNELS =
  'Chat channels: `slack`, `teams` and `discord` take the incoming-webhook `url` of the service (Slack on ' +
  '`hooks.slack.com`, Discord on `discord.com/api/webhooks/`, Teams any public https Workflows URL; https ' +
  'only in production, the address rules of webhooks; 400 on `channels.N.url` otherwise); `telegram` ' +
  'takes `botToken` and `chatId`. URLs and bot tokens are secrets: stored sealed, shown in full to ' +
  'admins and owners, redacted for others and in the history.';

@ApiTags('Alerts')
@ApiBearerAuth('user')
@Controller()
export class AlertsController {
  constructor(private readonly bus: BusClient) {}

  @Post('projects/:projectId/alerts')
  @ApiAccess({ role: 'admin' })
  // The answer may hold a generated webhook secret: no cache anywhere may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create an alert on an analytics metric of the project (admin)',
    description:
      'The alert measures `metric` (with `filter`) over the last `windowSeconds` every `everySeconds` ' +
      '(default 60). When `value <comparator> threshold` starts to hold it fires and notifies every ' +
      'channel; while it keeps holding it notifies again once per `cooldownSeconds` (default 3600); ' +
      'when it stops holding it resolves and notifies that too.\n\n' +
      'Needs a verified email of the caller (403 otherwise). Email channels may address only verified ' +
      'emails of members of the organisation (400 on `channels.N.to` otherwise; the same on PATCH).\n\n' +
      CHAT_CHANNELS +
      '\n\n' +
      WEBHOOK_SECRET,
  })
  @ApiCreatedResponse({ type: AlertDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  create(
    @CurrentUser() user: AuthUser,
    @Param() params: ProjectAlertsParams,
    @Body() body: CreateAlertBody,
  ): Promise<AlertDto> {
    return this.bus.send(AlertsSubjects.create, {
      ...body,
      projectId: params.projectId,
      actor: actorOf(user),
    });
  }

  @Get('projects/:projectId/alerts')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: "The project's alerts, newest first (viewer and up)" })
  @ApiOkResponse({ type: AlertListResponse })
  @ApiProblemResponses(400, 401, 404, 503)
  list(
    @CurrentUser() user: AuthUser,
    @Param() params: ProjectAlertsParams,
    @Query() query: PageQuery,
  ): Promise<AlertListResponse> {
    return this.bus.send(AlertsSubjects.list, {
      ...query,
      projectId: params.projectId,
      actor: actorOf(user),
    });
  }

  @Get('alerts/:alertId')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: 'One alert with its state and last value (viewer and up)' })
  @ApiOkResponse({ type: AlertDto })
  @ApiProblemResponses(400, 401, 404, 503)
  get(@CurrentUser() user: AuthUser, @Param() params: AlertIdParams): Promise<AlertDto> {
    return this.bus.send(AlertsSubjects.get, { alertId: params.alertId, actor: actorOf(user) });
  }

  @Patch('alerts/:alertId')
  @ApiAccess({ role: 'admin' })
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Change an alert (admin)',
    description:
      'Absent fields stay as they are; `channels` replaces the list. A new `everySeconds` or ' +
      '`enabled` applies to the schedule at once.\n\n' +
      WEBHOOK_SECRET,
  })
  @ApiOkResponse({ type: AlertDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  update(
    @CurrentUser() user: AuthUser,
    @Param() params: AlertIdParams,
    @Body() body: UpdateAlertBody,
  ): Promise<AlertDto> {
    return this.bus.send(AlertsSubjects.update, { ...body, alertId: params.alertId, actor: actorOf(user) });
  }

  @Delete('alerts/:alertId')
  @ApiAccess({ role: 'admin' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete an alert with its history and deliveries (admin)',
    description: 'Its evaluations stop at once.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async delete(@CurrentUser() user: AuthUser, @Param() params: AlertIdParams): Promise<void> {
    await this.bus.send(AlertsSubjects.delete, { alertId: params.alertId, actor: actorOf(user) });
  }

  @Get('alerts/:alertId/history')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({
    summary: "The alert's notifications, newest first, each with its deliveries (viewer and up)",
    description:
      'One entry each time the alert fired, fired again after its cooldown, resolved, or was tested; ' +
      'each delivery lists its attempts (status code or error, duration).',
  })
  @ApiOkResponse({ type: AlertHistoryResponse })
  @ApiProblemResponses(400, 401, 404, 503)
  history(
    @CurrentUser() user: AuthUser,
    @Param() params: AlertIdParams,
    @Query() query: PageQuery,
  ): Promise<AlertHistoryResponse> {
    return this.bus.send(AlertsSubjects.history, { ...query, alertId: params.alertId, actor: actorOf(user) });
  }

  @Post('alerts/:alertId/test')
  @ApiAccess({ role: 'admin' })
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Send a test notification through every channel of the alert (admin)',
    description:
      'The deliveries run in the background, chats too (Slack, Teams, Discord, Telegram, each in its own ' +
      "format); follow them in the history. The alert's state does not " +
      'change; `value` is measured now (null when analytics does not answer). Limited per user ' +
      '(`ALERT_TEST_SENDS_PER_USER_PER_HOUR`, 10) and per organisation ' +
      '(`ALERT_TEST_SENDS_PER_ORG_PER_HOUR`, 30) in any hour; a test counts against the ' +
      "organisation's hourly budget of notifications like any other, past which its deliveries are " +
      'recorded as `suppressed` and not sent.',
  })
  @ApiAcceptedResponse({ type: AlertTestResponse })
  @ApiRateLimitedResponse('Too many test sends this hour, by you or by your organisation')
  @ApiProblemResponses(400, 401, 403, 404, 503)
  test(@CurrentUser() user: AuthUser, @Param() params: AlertIdParams): Promise<AlertTestResponse> {
    return this.bus.send(AlertsSubjects.test, { alertId: params.alertId, actor: actorOf(user) });
  }
}
