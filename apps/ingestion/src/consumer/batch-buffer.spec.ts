import { BatchBuffer } from './batch-buffer';

interface Message {
  heldAt: number;
  rows: number;
}

describe('BatchBuffer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const buffer = () => new BatchBuffer<Message>((message) => message.rows, 10, 500);
  const message = (rows: number): Message => ({ heldAt: Date.now(), rows });

  it('waits for the flush time of its oldest message, then writes', async () => {
    const batches = buffer();
    batches.add(message(3));
    const turn = batches.turn(false);
    await jest.advanceTimersByTimeAsync(499);
    await jest.advanceTimersByTimeAsync(1);
    expect(await turn).toBe('again');
    expect(await batches.turn(false)).toBe('write');
    expect(batches.take().map((m) => m.rows)).toEqual([3]);
  });

  it('writes a full batch at once, waking a waiting loop', async () => {
    const batches = buffer();
    const waiting = batches.turn(false);
    batches.add(message(4));
    expect(await waiting).toBe('again');
    batches.add(message(6));
    expect(await batches.turn(false)).toBe('write');
  });

  it('takes whole messages up to the batch size, at least one', () => {
    const batches = buffer();
    for (const rows of [4, 5, 3, 20]) batches.add(message(rows));
    expect(batches.take().map((m) => m.rows)).toEqual([4, 5]);
    expect(batches.take().map((m) => m.rows)).toEqual([3]);
    expect(batches.take().map((m) => m.rows)).toEqual([20]);
    expect(batches.take()).toEqual([]);
  });

  it('writes without waiting when stopping, and says when it is drained', async () => {
    const batches = buffer();
    batches.add(message(1));
    expect(await batches.turn(true)).toBe('write');
    batches.take();
    expect(await batches.turn(true)).toBe('drained');
  });

  it('ends an idle wait when woken', async () => {
    const batches = buffer();
    const idle = batches.turn(false);
    batches.wakeUp();
    expect(await idle).toBe('again');
  });
});
