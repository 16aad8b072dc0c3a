/**
 * At most `limit` queries at once per tenant key; the others wait their turn, first come first served.
 * One project's dashboard of heavy queries then takes its turns on ClickHouse rather than all its
 * cores, and other projects' queries start at once. Per process: N replicas allow N × limit.
 */
export class TenantQueryGate {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    await this.enter(key);
    try {
      return await work();
    } finally {
      this.leave(key);
    }
  }

  /** Queries of the key running now (for tests and metrics). */
  runningFor(key: string): number {
    return this.running.get(key) ?? 0;
  }

  private enter(key: string): Promise<void> {
    const running = this.running.get(key) ?? 0;
    if (running < this.limit) {
      this.running.set(key, running + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      queue.push(resolve);
      this.waiting.set(key, queue);
    });
  }

  private leave(key: string): void {
    const next = this.waiting.get(key)?.shift();
    if (next) {
      // The slot passes straight to the next in line: the count stays.
      if (this.waiting.get(key)?.length === 0) this.waiting.delete(key);
      next();
      return;
    }
    const running = (this.running.get(key) ?? 1) - 1;
    if (running > 0) this.running.set(key, running);
    else this.running.delete(key);
  }
}
