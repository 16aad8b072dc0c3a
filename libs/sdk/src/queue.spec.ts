import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createQueue } from './queue';
import type { SdkEvent, StorageLike } from './types';

const event = (id: string, size = 0): SdkEvent => ({
  type: 'track',
  event: 'x'.repeat(size),
  messageId: id,
  timestamp: '2026-12-01T10:00:00.000Z',
});

function fakeStorage(): StorageLike & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('createQueue', () => {
  it('drops the oldest events past maxBytes and returns them', () => {
    const queue = createQueue({ key: 'q', maxEvents: 100, maxBytes: 400 });
    const dropped = ['a', 'b', 'c', 'd'].flatMap((id) => queue.push(event(id, 100)));
    expect(dropped.map((each) => each.messageId)).toEqual(['a', 'b']);
    expect(queue.peek(10, 1e6).map((each) => each.messageId)).toEqual(['c', 'd']);
  });

  it('peeks at most count events and maxBytes of them, but always one', () => {
    const queue = createQueue({ key: 'q', maxEvents: 100, maxBytes: 1e6 });
    for (const id of ['a', 'b', 'c']) queue.push(event(id, 300));
    expect(queue.peek(2, 1e6)).toHaveLength(2);
    expect(queue.peek(10, 500)).toHaveLength(1);
    expect(queue.peek(10, 10)).toHaveLength(1);
  });

  it('keeps its events in storage under its key, and removes what was sent', () => {
    const storage = fakeStorage();
    const queue = createQueue({ storage, key: 'q', maxEvents: 10, maxBytes: 1e6 });
    queue.push(event('a'));
    queue.push(event('b'));
    expect(createQueue({ storage, key: 'q', maxEvents: 10, maxBytes: 1e6 }).size()).toBe(2);
    queue.remove(['a']);
    expect(JSON.parse(storage.items.get('q') ?? '[]')).toEqual([event('b')]);
    queue.remove(['b']);
    expect(storage.items.has('q')).toBe(false);
    expect(queue.persistent).toBe(true);
  });

  it('moves to memory, with what it held, when storage refuses a write', () => {
    const storage = fakeStorage();
    const queue = createQueue({ storage, key: 'q', maxEvents: 10, maxBytes: 1e6 });
    queue.push(event('a'));
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    queue.push(event('b'));
    expect(queue.persistent).toBe(false);
    expect(queue.peek(10, 1e6).map((each) => each.messageId)).toEqual(['a', 'b']);
  });

  it('gives the send lock to one owner until it expires or is released', () => {
    const storage = fakeStorage();
    const tabA = createQueue({ storage, key: 'q', maxEvents: 10, maxBytes: 1e6 });
    const tabB = createQueue({ storage, key: 'q', maxEvents: 10, maxBytes: 1e6 });
    expect(tabA.lock('A', 1000, 0)).toBe(true);
    expect(tabB.lock('B', 1000, 500)).toBe(false);
    expect(tabB.lock('B', 1000, 1001)).toBe(true);
    expect(tabA.lock('A', 1000, 1500)).toBe(false);
    tabB.unlock('B');
    expect(tabA.lock('A', 1000, 1500)).toBe(true);
  });
});

describe('the SDK source', () => {
  it('imports only its own modules: no other @northstar lib, no Node built-in, no package', () => {
    const sources = readdirSync(__dirname).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'),
    );
    const imports = sources.flatMap((file) =>
      [...readFileSync(join(__dirname, file), 'utf8').matchAll(/from\s+'([^']+)'/g)].map((match) => match[1]),
    );
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((path) => !path.startsWith('./'))).toEqual([]);
  });
});
