import { runService } from '@northstar/service-runtime';
import { analyticsService } from './analytics.service-definition';

runService(analyticsService);
