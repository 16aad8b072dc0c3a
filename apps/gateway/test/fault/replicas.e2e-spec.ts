/**
 * Two ingestion replicas share the durable consumer while events arrive through the gateway's
 * POST /v1/batch: JetStream hands each message to one of them, so each event is written once, and
 * both take part. FAULT_EVENTS events (20,000 in `npm test`, 100,000 in `npm run test:fault`).
 */
import { eventually } from '../support';
import { eventsWritten, FAULT_EVENTS, storedOnceEach } from './fault-harness';
import { useFaultStack } from './fault-stack';

jest.setTimeout(15 * 60_000);

const currentStack = useFaultStack();

it(`two ingestion replicas store each of ${FAULT_EVENTS} events exactly once, and both write`, async () => {
  const stack = currentStack();
  const replicas = await Promise.all([stack.startIngestion(), stack.startIngestion()]);
  const load = stack.load(FAULT_EVENTS, 'replicas');

  expect(await load.run()).toBe(FAULT_EVENTS);
  const stored = await storedOnceEach(stack.clickhouse, stack.projectId, FAULT_EVENTS);
  // A replica counts its events once their message is acknowledged, just after the insert.
  const written = await eventually(
    async () => {
      const counts = await Promise.all(replicas.map(eventsWritten));
      expect(counts[0] + counts[1]).toBeGreaterThanOrEqual(FAULT_EVENTS);
      return counts;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  console.log(`replicas test: written by each ${JSON.stringify(written)}, stored ${JSON.stringify(stored)}`);
  // No event inserted twice (by two replicas, or by one after a redelivery), none collapsed away.
  expect(written[0] + written[1]).toBe(FAULT_EVENTS);
  expect(stored).toEqual({
    rows: FAULT_EVENTS,
    distinctEvents: FAULT_EVENTS,
    distinctMessages: FAULT_EVENTS,
    final: FAULT_EVENTS,
  });
  for (const count of written) expect(count).toBeGreaterThan(0);
});
