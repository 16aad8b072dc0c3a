/**
 * Fault test: while events arrive through the gateway's POST /v1/batch, the ingestion process is
 * killed with SIGKILL, each time at a moment when it holds messages it has not acknowledged, and
 * started again, twice. Afterwards ClickHouse must hold every acknowledged event exactly once.
 * FAULT_EVENTS events (20,000 in `npm test`, 100,000 in `npm run test:fault`).
 */
import { FAULT_EVENTS, killWhileHolding, storedOnceEach, type HeldWork } from './fault-harness';
import { useFaultStack } from './fault-stack';

jest.setTimeout(15 * 60_000);

const currentStack = useFaultStack();

it(`stores each of ${FAULT_EVENTS} acknowledged events exactly once across two kill -9 of ingestion holding work`, async () => {
  const stack = currentStack();
  const { processes } = stack;
  let ingestion = await stack.startIngestion();
  const load = stack.load(FAULT_EVENTS, 'kill');
  // Each kill happens as requests resume after a pause, so that it finds live load whatever the timing.
  const killAt = [0.3, 0.7];
  const holds = killAt.map((fraction) => load.holdAt(fraction));
  const sending = load.run();

  const killed: HeldWork[] = [];
  for (const [i, fraction] of killAt.entries()) {
    await load.reached(fraction);
    holds[i]();
    killed.push(await killWhileHolding(processes, ingestion));
    ingestion = await stack.startIngestion();
  }

  expect(await sending).toBe(FAULT_EVENTS);
  // Each kill hit messages taken off the stream and not yet acknowledged.
  for (const held of killed) {
    expect(held.messages).toBeGreaterThan(0);
    expect(held.events).toBeGreaterThan(0);
  }
  // Rows written twice (a batch inserted, then the process killed before its acks) collapse.
  const stored = await storedOnceEach(stack.clickhouse, stack.projectId, FAULT_EVENTS);
  console.log(
    `kill -9 fault test: held at the kills ${JSON.stringify(killed)}, stored ${JSON.stringify(stored)}`,
  );
  expect(stored).toMatchObject({
    distinctEvents: FAULT_EVENTS,
    distinctMessages: FAULT_EVENTS,
    final: FAULT_EVENTS,
  });
  expect(load.unexpectedAnswers()).toEqual({});
});
