import { sql } from '@northstar/clickhouse';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import { openEventStore, type EventStore } from '../../test/event-store';
import { queryWithinBudget } from './budgeted-query';

// The time budget on the real ClickHouse: a query that cannot finish within it is stopped by the
// server and answered as a 422 naming the range, not left to run into the bus timeout.

let store: EventStore;

beforeAll(async () => {
  store = await openEventStore();
});

afterAll(async () => {
  await store?.close();
});

it('answers a query within its budget', async () => {
  const rows = await queryWithinBudget<{ n: string }>(
    store.client,
    sql`SELECT count() AS n FROM numbers(1000)`,
    2000,
  );
  expect(rows).toEqual([{ n: '1000' }]);
});

it('stops a query that needs more than its budget, and says to narrow the range', async () => {
  const started = Date.now();
  // Far more rows than one second can count on any machine.
  const error = await queryWithinBudget(
    store.client,
    sql`SELECT count() AS n FROM numbers(${1e13})`,
    1000,
  ).then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DomainException);
  expect((error as DomainException).toPayload()).toMatchObject({
    code: BusErrorCode.Unprocessable,
    message: expect.stringMatching(/narrow the range/),
    errors: [{ field: 'from', message: expect.stringMatching(/too large/) }],
  });
  // The server gave up on it at the budget, not the client after the bus timeout.
  expect(Date.now() - started).toBeLessThan(4000);
});
