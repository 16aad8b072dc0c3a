import { REQUEST_ID_HEADER } from '@northstar/observability';
import { connectTestBus, testEnv, type TestBus } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'nats';
import { startGateway, type RunningGateway } from '../gateway.bootstrap';

// The request's context reaches the handlers: every bus request made while handling an HTTP request
// carries that request's id, also with many requests in flight at once. GET /v1/system/info pings
// each service over the bus; this test listens on the ping subjects in place of the services.

let gateway: RunningGateway;
let bus: TestBus;
let pings: Subscription;
const seen: string[] = [];

beforeAll(async () => {
  bus = await connectTestBus();
  // A wildcard of the test's own: it hears the pings whatever the services' queue groups.
  pings = bus.connection.subscribe('*.system.ping', {
    callback: (_error, message) => {
      seen.push(message.headers?.get(REQUEST_ID_HEADER) ?? '(none)');
    },
  });
  await bus.connection.flush();
  gateway = await startGateway({
    ...testEnv(),
    PORT: '0',
    HOST: '127.0.0.1',
    OPS_PORT: '0',
    SYSTEM_PING_TIMEOUT_MS: '200',
    // Every request pings: the test follows each request's id onto the bus.
    SYSTEM_INFO_CACHE_MS: '0',
  });
});

afterAll(async () => {
  pings?.unsubscribe();
  await gateway?.close();
  await bus?.close();
});

it('sends the id of the HTTP request with every bus request made for it, each request its own', async () => {
  const ids = Array.from({ length: 5 }, () => `ctx-${randomUUID()}`);
  const answers = await Promise.all(
    ids.map((id) => fetch(`${gateway.url}/v1/system/info`, { headers: { 'x-request-id': id } })),
  );
  for (const [i, answer] of answers.entries()) {
    await answer.arrayBuffer();
    expect(answer.headers.get('x-request-id')).toBe(ids[i]);
  }
  const ours = seen.filter((id) => id.startsWith('ctx-'));
  // Every service was pinged once per request, each ping with the id of its own request.
  expect(ours.length).toBeGreaterThanOrEqual(ids.length * 2);
  expect(new Set(ours)).toEqual(new Set(ids));
  for (const id of ids) expect(ours.filter((seenId) => seenId === id).length).toBe(ours.length / ids.length);
});
