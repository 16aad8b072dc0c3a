import { Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { MeNotificationsController } from './me-notifications.controller';

/** The Alerts routes of the public API (alerts of a project, their history and tests) and the user's inbox. */
@Module({ controllers: [AlertsController, MeNotificationsController] })
export class NotificationsRoutesModule {}
