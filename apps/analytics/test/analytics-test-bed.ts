import type { RunningService } from '@northstar/service-runtime';
import { connectTestBus, startTestService, TenancyStandIn, type TestBus } from '@northstar/testing';
import { analyticsService } from '../src/analytics.service-definition';
import { openEventStore, type EventStore } from './event-store';

/** What the analytics integration tests run against; filled before the first test. */
export interface AnalyticsTestBed {
  /** The analytics service, on the real bus and the test ClickHouse. */
  service: RunningService;
  /** A caller standing where the gateway stands. */
  client: TestBus;
  tenancy: TenancyStandIn;
  /** Writes events straight into the events table. */
  store: EventStore;
}

/** Starts the test bed before the file's tests and stops it after them. */
export function analyticsTestBed(): AnalyticsTestBed {
  const bed = {} as AnalyticsTestBed;
  beforeAll(async () => {
    bed.store = await openEventStore();
    bed.client = await connectTestBus();
    bed.tenancy = new TenancyStandIn(bed.client.connection);
    await bed.tenancy.start();
    bed.service = await startTestService(analyticsService);
  });
  afterAll(async () => {
    await bed.service?.close();
    bed.tenancy?.stop();
    await bed.client?.close();
    await bed.store?.close();
  });
  return bed;
}
