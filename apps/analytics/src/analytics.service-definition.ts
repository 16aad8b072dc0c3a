import type { ServiceDefinition } from '@northstar/service-runtime';
import { AnalyticsModule } from './analytics.module';
import { AnalyticsConfig } from './config';

export const analyticsService: ServiceDefinition<AnalyticsConfig> = {
  name: 'analytics',
  configClass: AnalyticsConfig,
  module: (config) => AnalyticsModule.forConfig(config),
  subjects: [],
};
