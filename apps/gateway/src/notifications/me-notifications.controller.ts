import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InAppNotificationPage, InboxSubjects, NotificationIdParams, PageQuery } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiAccess } from '../http/api-access.decorator';

/** The signed-in user's in-app notifications, from the alerts of their organisations' projects. */
@ApiTags('Alerts')
@ApiBearerAuth('user')
@Controller('me/notifications')
export class MeNotificationsController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiAccess({ role: 'user' })
  @ApiOperation({
    summary: 'In-app notifications of the alerts of your organisations, newest first',
    description: 'Each with `readAt`, your own read state (null: unread).',
  })
  @ApiOkResponse({ type: InAppNotificationPage })
  @ApiProblemResponses(400, 401, 503)
  list(@CurrentUser() user: AuthUser, @Query() query: PageQuery): Promise<InAppNotificationPage> {
    return this.bus.send(InboxSubjects.list, { ...query, actor: actorOf(user) });
  }

  @Post(':id/read')
  @ApiAccess({ role: 'viewer' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Mark a notification read (again: no change)' })
  @ApiNoContentResponse({ description: 'Read' })
  @ApiProblemResponses(400, 401, 404, 503)
  async markRead(@CurrentUser() user: AuthUser, @Param() params: NotificationIdParams): Promise<void> {
    await this.bus.send(InboxSubjects.markRead, { id: params.id, actor: actorOf(user) });
  }
}
