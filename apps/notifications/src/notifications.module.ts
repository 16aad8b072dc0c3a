import { Module } from '@nestjs/common';

/** The notifications service; its features arrive with their issues. */
@Module({})
export class NotificationsModule {}
