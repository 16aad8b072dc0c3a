/**
 * Backpressure: with ingestion down, the EVENTS stream fills up to EVENTS_STREAM_MAX_BYTES and the
 * gateway then answers 503 with Retry-After instead of accepting events it cannot keep. Nothing it
 * acknowledged is dropped to make room: once ingestion runs, every acknowledged event is stored,
 * once, and the gateway accepts events again.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '../support';
import { storedOnceEach } from './fault-harness';
import { useFaultStack } from './fault-stack';

jest.setTimeout(5 * 60_000);

// A few 100-event batches' worth (a batch's envelopes are 50 to 100 KB).
const STREAM_BYTES = 512 * 1024;

const currentStack = useFaultStack({ env: { EVENTS_STREAM_MAX_BYTES: String(STREAM_BYTES) } });

const run = randomUUID();
let sequence = 0;
const batch = () => ({
  batch: Array.from({ length: 100 }, () => {
    sequence += 1;
    return {
      type: 'track',
      event: 'Backpressure',
      userId: `user-${sequence % 20}`,
      messageId: `${run}-${sequence}`,
      properties: { sequence, note: 'x'.repeat(200) },
    };
  }),
});

async function post(body: unknown): Promise<Response> {
  const stack = currentStack();
  return fetch(`${stack.gateway.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

it('answers 503 with Retry-After once the stream is full, and loses none of the events it acknowledged', async () => {
  const stack = currentStack();
  let acknowledged = 0;
  let refused: Response | undefined;
  for (let i = 0; i < 100 && !refused; i++) {
    const response = await post(batch());
    if (response.status === 202) acknowledged += ((await response.json()) as { accepted: number }).accepted;
    else refused = response;
  }
  expect(acknowledged).toBeGreaterThan(0);
  expect(refused?.status).toBe(503);
  expect(refused?.headers.get('retry-after')).toBe('30');
  expect(refused?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(((await refused?.json()) as { detail: string }).detail).toMatch(/full/);
  // Still full: refused again, not accepted and then dropped.
  expect((await post(batch())).status).toBe(503);

  // Ingestion drains the stream: every acknowledged event arrives, each once.
  await stack.startIngestion();
  const stored = await storedOnceEach(stack.clickhouse, stack.projectId, acknowledged);
  expect(stored).toMatchObject({ distinctEvents: acknowledged, distinctMessages: acknowledged });

  // With room again (ingestion purges what it wrote every few seconds), the same events are accepted.
  const retried = batch();
  await eventually(async () => expect((await post(retried)).status).toBe(202), {
    timeoutMs: 15_000,
    intervalMs: 500,
  });
  await storedOnceEach(stack.clickhouse, stack.projectId, acknowledged + 100);
});
