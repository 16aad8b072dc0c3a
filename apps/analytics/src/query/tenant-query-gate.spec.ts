import { TenantQueryGate } from './tenant-query-gate';

// A query that ends when the test says so.
function pending(): { promise: Promise<string>; finish: (value: string) => void } {
  let finish!: (value: string) => void;
  const promise = new Promise<string>((resolve) => (finish = resolve));
  return { promise, finish };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TenantQueryGate', () => {
  it('runs at most the limit of one tenant at once, the next in line as soon as one ends', async () => {
    const gate = new TenantQueryGate(2);
    const queries = [pending(), pending(), pending()];
    const started: number[] = [];
    const results = queries.map((query, index) =>
      gate.run('project-a', () => {
        started.push(index);
        return query.promise;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(gate.runningFor('project-a')).toBe(2);

    queries[1].finish('second');
    await flush();
    expect(started).toEqual([0, 1, 2]);
    expect(gate.runningFor('project-a')).toBe(2);

    queries[0].finish('first');
    queries[2].finish('third');
    expect(await Promise.all(results)).toEqual(['first', 'second', 'third']);
    expect(gate.runningFor('project-a')).toBe(0);
  });

  it("does not hold another tenant's query behind a busy one", async () => {
    const gate = new TenantQueryGate(1);
    const heavy = pending();
    const busy = gate.run('big', () => heavy.promise);
    const small = await gate.run('small', async () => 'answered');
    expect(small).toBe('answered');
    heavy.finish('done');
    expect(await busy).toBe('done');
  });

  it('frees the slot of a query that failed', async () => {
    const gate = new TenantQueryGate(1);
    await expect(gate.run('p', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run('p', async () => 'next')).toBe('next');
    expect(gate.runningFor('p')).toBe(0);
  });
});
