import type { SdkEvent, StorageLike } from './types';

/** Where the events wait until the gateway has them. */
export interface EventQueue {
  /** Adds an event; returns the events dropped (the oldest) to stay within the bounds. */
  push(event: SdkEvent): SdkEvent[];
  /** The oldest events, at most `count` of them and at most `maxBytes` of JSON. */
  peek(count: number, maxBytes: number): SdkEvent[];
  /** Forgets the events of these message ids (sent, or refused for good). */
  remove(messageIds: readonly string[]): void;
  size(): number;
  /**
   * Takes the right to send for `ms` milliseconds. Tabs share one stored queue: only the holder of
   * this lock sends, so two tabs never post the same events at once.
   */
  lock(owner: string, ms: number, now: number): boolean;
  unlock(owner: string): void;
  /**
   * Holds every send until `until` (epoch ms; 0 lifts the hold): the gateway refused the events until
   * then (the organisation's monthly quota is spent). Kept beside the events, so that other tabs and
   * a reloaded page hold too, instead of each spending a request to hear the same 429.
   */
  pause(until: number): void;
  /** When the hold ends (epoch ms), 0 when there is none. */
  pausedUntil(): number;
  /** Whether the queue is kept in storage (false: in memory, storage missing or full). */
  readonly persistent: boolean;
}

export interface QueueOptions {
  /** Where to keep the events; none: memory. */
  storage?: StorageLike;
  /** The storage key (one queue per write key). */
  key: string;
  maxEvents: number;
  maxBytes: number;
}

/**
 * The queue, in `storage` when it is given and works, else in memory. In storage, each call reads and
 * writes the whole list: tabs append to the same list, and the lock (a `owner|expiry` value under
 * `<key>:lock`) decides which of them sends. A write that fails (quota) moves the queue to memory, with
 * what it held, for the rest of the page's life.
 */
export function createQueue(options: QueueOptions): EventQueue {
  let storage = options.storage;
  let memory: SdkEvent[] = [];
  let memoryLock: { owner: string; until: number } | undefined;
  const lockKey = `${options.key}:lock`;
  const pauseKey = `${options.key}:paused-until`;
  let memoryPause = 0;

  const read = (): SdkEvent[] => {
    if (!storage) return memory;
    try {
      const parsed: unknown = JSON.parse(storage.getItem(options.key) ?? '[]');
      return Array.isArray(parsed) ? (parsed as SdkEvent[]) : [];
    } catch {
      return [];
    }
  };
  const write = (events: SdkEvent[]): void => {
    memory = events;
    if (!storage) return;
    try {
      if (events.length) storage.setItem(options.key, JSON.stringify(events));
      else storage.removeItem(options.key);
    } catch {
      storage = undefined;
    }
  };
  const bytesOf = (event: SdkEvent): number => JSON.stringify(event).length + 1;

  return {
    get persistent() {
      return storage !== undefined;
    },
    push(event) {
      const events = [...read(), event];
      const dropped: SdkEvent[] = [];
      let bytes = events.reduce((sum, each) => sum + bytesOf(each), 2);
      while (events.length > 1 && (events.length > options.maxEvents || bytes > options.maxBytes)) {
        const oldest = events.shift() as SdkEvent;
        bytes -= bytesOf(oldest);
        dropped.push(oldest);
      }
      write(events);
      return dropped;
    },
    peek(count, maxBytes) {
      const batch: SdkEvent[] = [];
      let bytes = 0;
      for (const event of read()) {
        bytes += bytesOf(event);
        if (batch.length >= count || (batch.length && bytes > maxBytes)) break;
        batch.push(event);
      }
      return batch;
    },
    remove(messageIds) {
      const gone = new Set(messageIds);
      write(read().filter((event) => !gone.has(event.messageId)));
    },
    size: () => read().length,
    lock(owner, ms, now) {
      const current = storage ? parseLock(storage.getItem(lockKey)) : memoryLock;
      if (current && current.owner !== owner && current.until > now) return false;
      const next = { owner, until: now + ms };
      if (!storage) {
        memoryLock = next;
        return true;
      }
      try {
        storage.setItem(lockKey, `${owner}|${next.until}`);
        // Read back: of two tabs writing at once, the last write wins and only its owner sends.
        return parseLock(storage.getItem(lockKey))?.owner === owner;
      } catch {
        return true;
      }
    },
    pause(until) {
      memoryPause = until;
      if (!storage) return;
      try {
        if (until > 0) storage.setItem(pauseKey, String(until));
        else storage.removeItem(pauseKey);
      } catch {
        // The hold stays in this page's memory.
      }
    },
    pausedUntil() {
      if (!storage) return memoryPause;
      try {
        return Number(storage.getItem(pauseKey)) || memoryPause;
      } catch {
        return memoryPause;
      }
    },
    unlock(owner) {
      if (!storage) {
        if (memoryLock?.owner === owner) memoryLock = undefined;
        return;
      }
      try {
        if (parseLock(storage.getItem(lockKey))?.owner === owner) storage.removeItem(lockKey);
      } catch {
        // Nothing to do: the lock expires on its own.
      }
    },
  };
}

function parseLock(value: string | null): { owner: string; until: number } | undefined {
  if (!value) return undefined;
  const [owner, until] = value.split('|');
  return { owner, until: Number(until) || 0 };
}
