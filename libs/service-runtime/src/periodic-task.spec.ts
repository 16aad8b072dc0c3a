import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval, joins a run still going instead of starting a second, and runs once more on stop', async () => {
    let runs = 0;
    let finish: (() => void) | undefined;
    const task = new PeriodicTask(async () => {
      runs += 1;
      await new Promise<void>((resolve) => (finish = resolve));
    }, 1000);
    task.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    // Due again while the first run waits: joined.
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    finish?.();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    finish?.();
    const stopped = task.stop({ finalRun: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toBe(3);
    finish?.();
    await stopped;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(3);
  });
});
