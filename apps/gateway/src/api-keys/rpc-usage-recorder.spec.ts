import type { BusClient } from '@northstar/messaging';
import { ApiKeysSettings } from './api-keys.settings';
import { RpcUsageRecorder } from './rpc-usage-recorder';
import { UsageRecorder } from './usage-recorder';

type Sent = { subject: string; payload: { batchId: string; entries: unknown[]; credits?: unknown[] } };

function fakeBus(failures = 0): { bus: BusClient; sent: Sent[] } {
  const sent: Sent[] = [];
  let left = failures;
  const bus = {
    send: async (subject: string, payload: Sent['payload']) => {
      sent.push({ subject, payload });
      if (left-- > 0) throw new Error('no answer');
      return { recorded: payload.entries.length };
    },
  } as unknown as BusClient;
  return { bus, sent };
}

const key = { keyId: 'key-1', projectId: 'project-1' };
const at = Date.parse('2026-12-05T10:20:00Z');

describe('RPC usage of verifications', () => {
  it('sums verifications per hour, chain, method and code into one batch', async () => {
    const { bus, sent } = fakeBus();
    const recorder = new RpcUsageRecorder(new ApiKeysSettings(), bus);
    recorder.record(key, 'VALID', 'ethereum', 'eth_call', at);
    recorder.record(key, 'VALID', 'ethereum', 'eth_call', at + 60_000);
    recorder.record(key, 'USAGE_EXCEEDED', 'ethereum', 'eth_call', at);
    recorder.record(key, 'VALID', undefined, undefined, at + 3600_000);
    await recorder.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.payload.entries).toEqual([
      {
        ...key,
        hour: '2026-12-05T10:00:00.000Z',
        chain: 'ethereum',
        method: 'eth_call',
        code: 'VALID',
        requests: 2,
      },
      {
        ...key,
        hour: '2026-12-05T10:00:00.000Z',
        chain: 'ethereum',
        method: 'eth_call',
        code: 'USAGE_EXCEEDED',
        requests: 1,
      },
      { ...key, hour: '2026-12-05T11:00:00.000Z', code: 'VALID', requests: 1 },
    ]);
    await recorder.flush();
    expect(sent).toHaveLength(1);
  });

  it('sends a batch that failed again with the same id', async () => {
    const { bus, sent } = fakeBus(1);
    const recorder = new RpcUsageRecorder(new ApiKeysSettings(), bus);
    recorder.record(key, 'VALID', 'ethereum', 'eth_call', at);
    await recorder.flush();
    await recorder.flush();
    expect(sent.map((message) => message.payload.batchId)).toEqual([
      sent[0]?.payload.batchId,
      sent[0]?.payload.batchId,
    ]);
  });
});

describe('credits written back with the usage reports', () => {
  it('keeps the latest generation and period, and in it the lowest count', async () => {
    const { bus, sent } = fakeBus();
    const recorder = new UsageRecorder(new ApiKeysSettings(), bus);
    // Answers of concurrent spends, in the order they arrived.
    recorder.recordCredits({ keyId: 'a', generation: 1, period: 10, remaining: 5 });
    recorder.recordCredits({ keyId: 'a', generation: 1, period: 10, remaining: 7 });
    recorder.recordCredits({ keyId: 'b', generation: 1, period: 10, remaining: 0 });
    recorder.recordCredits({ keyId: 'b', generation: 1, period: 11, remaining: 99 });
    recorder.recordCredits({ keyId: 'c', generation: 2, period: 0, remaining: 50 });
    recorder.recordCredits({ keyId: 'c', generation: 1, period: 10, remaining: 1 });
    await recorder.flush();
    expect(sent[0]?.payload).toEqual({
      batchId: expect.any(String),
      entries: [],
      credits: [
        { keyId: 'a', generation: 1, period: 10, remaining: 5 },
        { keyId: 'b', generation: 1, period: 11, remaining: 99 },
        { keyId: 'c', generation: 2, period: 0, remaining: 50 },
      ],
    });
  });
});
