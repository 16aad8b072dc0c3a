/**
 * Fault test: while events arrive through the gateway's POST /v1/batch, the NATS server (JetStream on
 * file storage) is stopped and started again on the same port and store. The gateway must answer
 * 503 meanwhile (the sender retries, as an SDK does), the gateway and ingestion must reconnect by
 * themselves, and ClickHouse must then hold every acknowledged event exactly once.
 * FAULT_EVENTS events (20,000 in `npm test`, 100,000 in `npm run test:fault`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FAULT_EVENTS, heldBy, storedOnceEach } from './fault-harness';
import { useFaultStack } from './fault-stack';

jest.setTimeout(15 * 60_000);

/**
 * How long NATS stays down while the sender keeps trying: longer than the gateway's publish timeout
 * (EVENTS_PUBLISH_TIMEOUT_MS, 5 s), or the requests of the outage would only wait for the reconnect.
 */
const DOWNTIME_MS = 7000;

const currentStack = useFaultStack();

it(`stores each of ${FAULT_EVENTS} acknowledged events exactly once across a restart of the NATS server`, async () => {
  const stack = currentStack();
  const ingestion = await stack.startIngestion();
  const load = stack.load(FAULT_EVENTS, 'nats');
  const holds = [load.holdAt(0.4), load.holdAt(0.6)];
  const sending = load.run();

  await load.reached(0.4);
  const held = await heldBy(ingestion);
  // Requests in flight as the server goes, and the rest held back until it is down.
  holds[0]();
  // SIGTERM, the documented way to stop a server: it flushes the stream's file store. A SIGKILL can
  // lose the last writes JetStream already acknowledged, which its default sync has not yet written.
  await stack.nats.stop('SIGTERM');
  holds[1]();
  await sleep(DOWNTIME_MS);
  await stack.nats.start();

  expect(await sending).toBe(FAULT_EVENTS);
  const stored = await storedOnceEach(stack.clickhouse, stack.projectId, FAULT_EVENTS);
  console.log(
    `NATS restart fault test: held before the stop ${JSON.stringify(held)}, answers ${JSON.stringify(
      Object.fromEntries(load.answers),
    )}, stored ${JSON.stringify(stored)}`,
  );
  expect(stored).toMatchObject({
    distinctEvents: FAULT_EVENTS,
    distinctMessages: FAULT_EVENTS,
    final: FAULT_EVENTS,
  });
  // The outage hit requests, and they were told to come back (503), never a 500.
  expect(load.answers.get('503')).toBeGreaterThan(0);
  expect(load.unexpectedAnswers()).toEqual({});
  // The same ingestion process wrote the events after the restart: it reconnected by itself.
  expect(ingestion.child.exitCode).toBeNull();
});
