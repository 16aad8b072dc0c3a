/* eslint-disable @nx/enforce-module-boundaries -- the one place where notifications' tests reach into
   another app (apps never import apps elsewhere): the real analytics service answers the alerts'
   evaluations, over events written to ClickHouse as analytics' own tests write them. */
export { analyticsService } from '../../analytics/src/analytics.service-definition';
export { openEventStore, type EventStore } from '../../analytics/test/event-store';
