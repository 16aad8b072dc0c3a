import type { RunningService } from '@northstar/service-runtime';
import { connectTestBus, startTestService, TenancyStandIn, type TestBus } from '@northstar/testing';
import { analyticsService } from '../src/analytics.service-definition';
import { RollupJob } from '../src/rollup/rollup-job';
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
  /** Rolls up every closed period written so far (after the current second, so that its writes settle). */
  rollUp(): Promise<void>;
}

/** Starts the test bed before the file's tests and stops it after them. */
export function analyticsTestBed(): AnalyticsTestBed {
  const bed = {
    rollUp: async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const job = bed.service.app.get(RollupJob);
      while ((await job.runOnce(0)).more);
    },
  } as AnalyticsTestBed;
  beforeAll(async () => {
    bed.store = await openEventStore();
    bed.client = await connectTestBus();
    bed.tenancy = new TenancyStandIn(bed.client.connection);
    await bed.tenancy.start();
    // The tests roll up when they choose to (RollupJob.runOnce), not on a timer.
    bed.service = await startTestService(analyticsService, { ANALYTICS_ROLLUP_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await bed.service?.close();
    bed.tenancy?.stop();
    await bed.client?.close();
    await bed.store?.close();
  });
  return bed;
}
