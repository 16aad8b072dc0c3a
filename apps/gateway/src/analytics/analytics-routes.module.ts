import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { UsageController } from './usage.controller';
import { KeyWhenPresentedGuard } from './user-or-key';

/** The Analytics routes of the public API (members or API keys with `analytics:read`) and the usage routes (members). */
@Module({ controllers: [AnalyticsController, UsageController], providers: [KeyWhenPresentedGuard] })
export class AnalyticsRoutesModule {}
