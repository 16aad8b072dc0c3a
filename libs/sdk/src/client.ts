import { browserStorage, cookieStorage, globals, memoryStorage, uuid } from './env';
import { createQueue, type EventQueue } from './queue';
import type {
  EventType,
  FetchLike,
  FetchResponse,
  FieldError,
  Properties,
  SdkError,
  SdkEvent,
  StorageLike,
  Web3Fields,
} from './types';

export const VERSION = '0.1.0';
const LIBRARY = { name: '@northstar/sdk', version: VERSION };
// The gateway's limits (API.md): 500 events or 1 MiB a batch, 32 KiB an event. A margin under each.
const MAX_BATCH_EVENTS = 500;
const MAX_BATCH_BYTES = 512 * 1024;
const MAX_EVENT_BYTES = 32 * 1024;
// Browsers cap the bodies of keepalive requests (and beacons) in flight at 64 KiB together.
const EXIT_BYTES = 60 * 1024;
const BEACON_BYTES = 64 * 1024;
// The longest delay a timer takes (2^31 - 1 ms); longer ones fire at once.
const MAX_TIMER_MS = 2_147_483_647;

export interface ClientOptions {
  /** A key of the project with the `events:write` scope. */
  writeKey: string;
  /** The gateway's origin, e.g. `https://api.example.com`; empty: the page's own origin. */
  host?: string;
  /** Send when this many events wait (default 20). */
  flushAt?: number;
  /** Send at the latest this many milliseconds after an event (default 10 000). */
  flushInterval?: number;
  /** Attempts of one batch before waiting for the next flush (default 10; events are kept). */
  maxRetries?: number;
  /** First backoff delay in ms (default 500), doubled each attempt up to `maxBackoff` (default 30 000). */
  minBackoff?: number;
  maxBackoff?: number;
  /** Where the queue and the ids live: `localStorage` (browser default), `cookie` (ids only), `memory` (Node default), or your own store. */
  storage?: 'localStorage' | 'cookie' | 'memory' | StorageLike;
  /** Queue bounds: the oldest events are dropped (and reported) past them. */
  maxQueueEvents?: number;
  maxQueueBytes?: number;
  /** Told of every event refused by the server or dropped, and of internal errors. Never throw from it. */
  onError?: (error: SdkError) => void;
  /** `fetch` to use (default: the global one). */
  fetch?: FetchLike;
  /** Record a `page` on load and at each single-page-app route change (history API, back/forward). Default false. */
  autoPage?: boolean;
}

type Listener = (error: SdkError) => void;
type Callback = () => void;
/** Segment's optional trailing arguments: options (a `context`, a `timestamp`, ids) and/or a callback. */
interface CallOptions {
  context?: Properties;
  timestamp?: string | Date;
  anonymousId?: string;
  userId?: string;
  messageId?: string;
}
type Rest = [(CallOptions | Callback)?, Callback?];

/** Fields an object-style call may carry (Segment's Node library: `track({ userId, event, properties })`). */
export interface Message extends CallOptions {
  event?: string;
  name?: string;
  category?: string;
  groupId?: string;
  previousId?: string;
  properties?: Properties;
  traits?: Properties;
  web3?: Web3Fields;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * The analytics client. Every public method catches its own errors and passes them to `onError`:
 * analytics must never break the app that embeds it.
 */
export class Analytics {
  private readonly options: Required<
    Pick<ClientOptions, 'flushAt' | 'flushInterval' | 'maxRetries' | 'minBackoff' | 'maxBackoff'>
  > &
    ClientOptions;
  private readonly queue: EventQueue;
  private readonly ids: StorageLike;
  private readonly owner = uuid();
  private readonly listeners: Record<string, Listener[]> = {};
  private timer: unknown;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private restoreHistory: (() => void) | undefined;
  /** Ends the current backoff wait early (the browser says it is online again). */
  private wake: (() => void) | undefined;

  constructor(options: ClientOptions) {
    this.options = {
      flushAt: 20,
      flushInterval: 10_000,
      maxRetries: 10,
      minBackoff: 500,
      maxBackoff: 30_000,
      ...options,
    };
    const choice = options.storage ?? 'localStorage';
    const local =
      typeof choice === 'object' ? choice : choice === 'localStorage' ? browserStorage() : undefined;
    const key = `ns_${String(options.writeKey ?? '').slice(-8)}`;
    this.queue = createQueue({
      storage: local,
      key: `${key}_queue`,
      maxEvents: options.maxQueueEvents ?? 1000,
      maxBytes: options.maxQueueBytes ?? 2 * 1024 * 1024,
    });
    this.ids = local ?? (choice === 'cookie' ? cookieStorage() : undefined) ?? memoryStorage();
    if (!options.writeKey) this.report({ kind: 'internal', message: 'writeKey is missing' });
    // Events a previous page left in storage go out soon.
    if (this.queue.size()) this.schedule();
    const { addEventListener, document } = globals();
    if (addEventListener && document) {
      // The tab may be gone after either: send what waits with a request that outlives the page.
      addEventListener('pagehide', () => {
        this.sendOnExit();
        // This page sends nothing more: the next page (a reload, the next one of the site) must not
        // wait for this one's lock to expire before it sends what is stored.
        this.safely(() => this.queue.unlock(this.owner));
      });
      addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') this.sendOnExit();
      });
      // Back online: send now rather than at the end of the current backoff.
      addEventListener('online', () => (this.wake ? this.wake() : void this.flush()));
    }
    if (options.autoPage) this.safely(() => this.capturePages());
  }

  /**
   * The first page now, then one per route change: history.pushState/replaceState are wrapped (the
   * app's call runs first, unchanged) and back/forward comes as popstate. The page is recorded on the
   * next tick, once the app has had a chance to set the title; a URL seen last is not recorded again.
   */
  private capturePages(): void {
    const { history, addEventListener, removeEventListener } = globals();
    const location = () => globals().location?.href;
    let last: string | undefined;
    const record = () =>
      this.safely(() => {
        const url = location();
        if (!url || url === last || this.closed) return;
        last = url;
        this.page();
      });
    const later = () => void globals().setTimeout(record, 0);
    record();
    if (!history) return;
    const originals = { pushState: history.pushState, replaceState: history.replaceState };
    for (const name of ['pushState', 'replaceState'] as const) {
      const original = originals[name];
      if (typeof original !== 'function') continue;
      history[name] = function (this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args);
        later();
        return result;
      };
    }
    addEventListener?.('popstate', later);
    this.restoreHistory = () => {
      for (const name of ['pushState', 'replaceState'] as const)
        if (originals[name]) history[name] = originals[name];
      removeEventListener?.('popstate', later);
    };
  }

  /**
   * Sends up to 64 KiB of the queue with `keepalive` fetches (they survive the page). The events leave
   * the queue only when the answer comes back: if the page dies first, they are still in storage and
   * go again on the next visit, and the gateway drops the copy by its messageId.
   */
  private sendOnExit(): void {
    this.safely(() => {
      // Held (a spent quota): the events wait in storage for the next visit after the hold.
      if (this.queue.pausedUntil() > Date.now()) return;
      const events = this.queue.peek(MAX_BATCH_EVENTS, EXIT_BYTES);
      if (!events.length) return;
      // No fetch, or one that refuses keepalive at once: the outcome is known in a microtask, still
      // inside the pagehide task, so the beacons leave before the page goes.
      void this.send(events, true).then((outcome) => {
        if (outcome.unsent) this.safely(() => this.sendBeacons());
        else if (!outcome.retry) this.queue.remove(events.map((event) => event.messageId));
      });
    });
  }

  /**
   * Hands the whole queue to `navigator.sendBeacon`, in chunks of at most 64 KiB (a string body goes
   * as text/plain, CORS-simple). A chunk leaves the queue once the browser took it; when the browser
   * refuses one (its beacon quota is full), that chunk and the rest stay for the next visit.
   */
  private sendBeacons(): void {
    const navigator = globals().navigator;
    if (typeof navigator?.sendBeacon !== 'function') return;
    for (;;) {
      let events = this.queue.peek(MAX_BATCH_EVENTS, EXIT_BYTES);
      if (!events.length) return;
      let body = this.body(events, new Date().toISOString());
      // The queue counts characters; the limit is in UTF-8 bytes.
      while (utf8Bytes(body) > BEACON_BYTES && events.length > 1) {
        events = events.slice(0, Math.ceil(events.length / 2));
        body = this.body(events, new Date().toISOString());
      }
      if (utf8Bytes(body) > BEACON_BYTES || !navigator.sendBeacon(this.url(), body)) return;
      this.queue.remove(events.map((event) => event.messageId));
    }
  }

  private url(): string {
    return `${(this.options.host ?? '').replace(/\/+$/, '')}/v1/batch`;
  }

  private body(batch: SdkEvent[], sentAt: string): string {
    return JSON.stringify({
      batch: batch.map((event) => ({ ...event, sentAt })),
      sentAt,
      writeKey: this.options.writeKey,
    });
  }

  /** Listens to refused (`rejected`) events or to every error (`error`); returns the unsubscribe. */
  on(name: 'rejected' | 'error', listener: Listener): () => void {
    (this.listeners[name] ??= []).push(listener);
    return () => {
      this.listeners[name] = (this.listeners[name] ?? []).filter((each) => each !== listener);
    };
  }

  track(event: string | Message, properties?: Properties, ...rest: Rest): void {
    this.call(
      'track',
      event,
      (message, name) => ({ ...message, event: name, properties: properties ?? message.properties }),
      rest,
    );
  }

  /** `page()`, `page(name)`, `page(category, name, properties)` or `page({ name, properties })`. */
  page(
    category?: string | Message,
    name?: string | Properties,
    properties?: Properties,
    ...rest: Rest
  ): void {
    this.safely(() => {
      if (isObject(category)) return this.enqueue('page', pageProperties(category), rest);
      const title = category as string | undefined;
      // page(name, properties, options?, callback?): everything one place to the left.
      if (isObject(name))
        return this.enqueue('page', pageProperties({ name: title, properties: name }), [
          properties as CallOptions | undefined,
          rest[0] as Callback | undefined,
        ]);
      const message: Message = name === undefined ? { name: title } : { category: title, name };
      this.enqueue('page', pageProperties({ ...message, properties }), rest);
    });
  }

  screen(name: string | Message, properties?: Properties, ...rest: Rest): void {
    this.call(
      'screen',
      name,
      (message, value) => ({ ...message, name: value, properties: properties ?? message.properties }),
      rest,
    );
  }

  /** `identify(userId, traits)`, `identify(traits)` (anonymous) or `identify({ userId, traits })`. */
  identify(userId?: string | Message | Properties, traits?: Properties, ...rest: Rest): void {
    this.safely(() => {
      let message: Message;
      // Only the browser-style call sets the current user: a server's object-style calls speak for
      // many users, one call each.
      if (typeof userId === 'string') {
        this.ids.setItem(this.idKey('user'), userId);
        message = { traits };
      } else if (isObject(userId) && ('userId' in userId || 'traits' in userId || 'anonymousId' in userId))
        message = userId as Message;
      else message = { traits: (userId as Properties | undefined) ?? traits };
      this.enqueue('identify', message, rest);
    });
  }

  group(groupId: string | Message, traits?: Properties, ...rest: Rest): void {
    this.call(
      'group',
      groupId,
      (message, value) => ({ ...message, groupId: value, traits: traits ?? message.traits }),
      rest,
    );
  }

  /** Links `userId` to the previous id (the current user, else the anonymous id). */
  alias(userId: string | Message, previousId?: string, ...rest: Rest): void {
    this.safely(() => {
      const previous = previousId ?? this.userId() ?? this.anonymousId();
      if (isObject(userId)) return this.enqueue('alias', { previousId: previous, ...userId }, rest);
      this.ids.setItem(this.idKey('user'), userId as string);
      this.enqueue('alias', { previousId: previous }, rest);
    });
  }

  /** An on-chain transaction: `web3` needs `chainId`, `walletAddress` and `txHash`. */
  transaction(web3: Web3Fields, properties?: Properties, ...rest: Rest): void {
    this.safely(() =>
      this.enqueue('transaction', { event: web3.method ?? 'Transaction', web3, properties }, rest),
    );
  }

  /** A wallet action (`connect`, `disconnect`, `switch`, …): `web3` needs `walletAddress`. */
  wallet(action: string, web3: Web3Fields, properties?: Properties, ...rest: Rest): void {
    this.safely(() => this.enqueue('wallet', { event: action, web3, properties }, rest));
  }

  /** Forgets the user and starts a new anonymous id (on sign-out). */
  reset(): void {
    this.safely(() => {
      this.ids.removeItem(this.idKey('user'));
      this.ids.setItem(this.idKey('anon'), uuid());
    });
  }

  anonymousId(): string {
    try {
      let id = this.ids.getItem(this.idKey('anon'));
      if (!id) {
        id = uuid();
        this.ids.setItem(this.idKey('anon'), id);
      }
      return id;
    } catch {
      return (this.fallbackAnonymousId ??= uuid());
    }
  }
  private fallbackAnonymousId: string | undefined;

  userId(): string | undefined {
    try {
      return this.ids.getItem(this.idKey('user')) ?? undefined;
    } catch {
      return undefined;
    }
  }

  /** Sends every waiting event; resolves when the queue is empty or the retries of a batch ran out. */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.drain()
        .catch((cause: unknown) => this.report({ kind: 'internal', message: 'flush failed', cause }))
        .finally(() => {
          this.flushing = undefined;
        });
    }
    return this.flushing;
  }

  /** Sends what waits and stops the timer: for short-lived processes and serverless handlers. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    this.safely(() => this.restoreHistory?.());
    await this.flush();
  }

  private call(
    type: EventType,
    first: string | Message,
    build: (message: Message, value?: string) => Message,
    rest: Rest,
  ): void {
    this.safely(() => {
      const message = isObject(first) ? build(first as Message) : build({}, first as string);
      if (isObject(first)) {
        const name = type === 'track' ? 'event' : type === 'group' ? 'groupId' : 'name';
        (message as Record<string, unknown>)[name] = (first as Record<string, unknown>)[name];
      }
      this.enqueue(type, message, rest);
    });
  }

  private enqueue(type: EventType, message: Message, rest: Rest): void {
    const [options, callback] = typeof rest[0] === 'function' ? [undefined, rest[0]] : [rest[0], rest[1]];
    const { timestamp, context, ...fields } = { ...message, ...options };
    // A call naming its user (Segment's Node style) is about that user only, not the stored one.
    const named = fields.userId !== undefined || fields.anonymousId !== undefined;
    const event: SdkEvent = {
      ...fields,
      type,
      messageId: fields.messageId ?? uuid(),
      timestamp: timestamp ? new Date(timestamp).toISOString() : new Date().toISOString(),
      anonymousId: named ? fields.anonymousId : this.anonymousId(),
      userId: named ? fields.userId : this.userId(),
      context: { ...baseContext(), ...context, library: LIBRARY },
    };
    if (event.userId === undefined) delete event.userId;
    if (event.anonymousId === undefined) delete event.anonymousId;
    if (JSON.stringify(event).length > MAX_EVENT_BYTES) {
      this.report({
        kind: 'rejected',
        message: 'event over 32 KiB',
        events: [event],
        errors: [{ message: 'event over 32 KiB' }],
      });
      return;
    }
    const dropped = this.queue.push(event);
    if (dropped.length)
      this.report({ kind: 'dropped', message: 'queue full: oldest events dropped', events: dropped });
    if (callback) this.safely(callback);
    if (this.queue.size() >= this.options.flushAt) void this.flush();
    else this.schedule();
  }

  private schedule(delay = this.options.flushInterval): void {
    if (this.timer || this.closed) return;
    // Timers take at most 2^31 - 1 ms (about 24.8 days) and fire at once beyond; drain() waits again.
    this.timer = globals().setTimeout(
      () => {
        this.timer = undefined;
        void this.flush();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    // A pending flush must not keep a Node process alive: such processes call flush() or close().
    (this.timer as { unref?: () => void }).unref?.();
  }

  private clearTimer(): void {
    if (this.timer) globals().clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async drain(): Promise<void> {
    this.clearTimer();
    let attempt = 0;
    for (;;) {
      const held = this.queue.pausedUntil() - Date.now();
      if (held > 0) {
        // The gateway refused these events until then (a spent quota): asking sooner only hears 429 again.
        this.schedule(held);
        return;
      }
      const lockMs = this.options.maxBackoff + 60_000;
      if (!this.queue.lock(this.owner, lockMs, Date.now())) {
        // Another tab sends; look again later.
        this.schedule();
        return;
      }
      const batch = this.queue.peek(Math.min(this.options.flushAt, MAX_BATCH_EVENTS), MAX_BATCH_BYTES);
      if (!batch.length) {
        this.queue.unlock(this.owner);
        return;
      }
      const outcome = await this.send(batch);
      if (!outcome.retry) {
        this.queue.remove(batch.map((event) => event.messageId));
        attempt = 0;
        continue;
      }
      attempt++;
      if (attempt > this.options.maxRetries) {
        this.queue.unlock(this.owner);
        this.report({
          kind: 'internal',
          message: `gave up after ${attempt} attempts; the events stay queued`,
          status: outcome.status,
          events: batch,
        });
        this.schedule();
        return;
      }
      const delay = outcome.retryAfterMs ?? this.backoff(attempt - 1);
      if (delay > this.options.maxBackoff + 30_000) {
        // A long Retry-After (a monthly quota spent): no flush() or close() waits that long; the events
        // stay queued, nothing is sent (by any tab) until then, and a timer tries again then.
        this.queue.pause(Date.now() + delay);
        this.queue.unlock(this.owner);
        this.report({
          kind: 'internal',
          message: `the server asked to wait ${delay} ms; the events stay queued`,
          status: outcome.status,
        });
        this.schedule(delay);
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = globals().setTimeout(resolve, delay);
        this.wake = () => {
          globals().clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * One attempt. `retry`: the batch must be sent again (after `retryAfterMs` when the server said so);
   * else the batch is settled, accepted or refused for good.
   */
  private async send(
    batch: SdkEvent[],
    keepalive = false,
  ): Promise<{ retry: boolean; retryAfterMs?: number; status?: number; unsent?: boolean }> {
    const sentAt = new Date().toISOString();
    const fetch = this.options.fetch ?? globals().fetch;
    if (!fetch) {
      // On the way out a beacon may still carry the events.
      if (!keepalive || !globals().navigator?.sendBeacon)
        this.report({ kind: 'internal', message: 'no fetch in this runtime' });
      return { retry: true, unsent: true };
    }
    let pending: Promise<FetchResponse>;
    try {
      pending = fetch(this.url(), {
        method: 'POST',
        // text/plain: a CORS-simple request, no preflight; the gateway reads it as JSON.
        headers: { 'Content-Type': 'text/plain' },
        body: this.body(batch, sentAt),
        keepalive,
      });
    } catch {
      // A fetch that throws at once (no keepalive support): nothing left; the beacon may take it.
      return { retry: true, unsent: true };
    }
    let response: FetchResponse;
    try {
      response = await pending;
    } catch {
      // Offline, DNS, a reset connection: the events wait for the next attempt.
      return { retry: true };
    }
    const status = response.status;
    const body = await response.text().catch(() => '');
    if (status === 429 || status === 408 || status >= 500) {
      const header = Number(response.headers.get('retry-after'));
      return {
        retry: true,
        retryAfterMs: Number.isFinite(header) && header > 0 ? header * 1000 : undefined,
        status,
      };
    }
    const answer = parse(body);
    if (status >= 200 && status < 300) {
      for (const { index, errors } of (answer?.rejected as
        { index: number; errors: FieldError[] }[] | undefined) ?? []) {
        const event = batch[index];
        if (event)
          this.report({
            kind: 'rejected',
            message: 'the server refused the event',
            events: [event],
            errors,
            status,
          });
      }
      return { retry: false, status };
    }
    // Any other 4xx: the batch as a whole is refused (bad key, a body the server cannot take); sending
    // it again would get the same answer.
    this.report({
      kind: 'rejected',
      message: String(answer?.detail ?? answer?.title ?? `HTTP ${status}`),
      events: batch,
      errors: (answer?.errors as FieldError[] | undefined) ?? [],
      status,
    });
    return { retry: false, status };
  }

  /** Jittered exponential backoff: a random delay in the upper half of min·2^attempt, capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxBackoff, this.options.minBackoff * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private report(error: SdkError): void {
    const listeners = [
      ...(error.kind === 'rejected' ? (this.listeners['rejected'] ?? []) : []),
      ...(this.listeners['error'] ?? []),
    ];
    if (this.options.onError) listeners.push(this.options.onError);
    for (const listener of listeners) {
      try {
        listener(error);
      } catch {
        // A listener's own error must not come back into the app through the SDK.
      }
    }
  }

  private safely(run: () => void): void {
    try {
      run();
    } catch (cause) {
      this.report({
        kind: 'internal',
        message: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    }
  }

  private idKey(which: 'anon' | 'user'): string {
    return `ns_${which}_id`;
  }
}

/** The UTF-8 size of a string, over-counting a surrogate pair (6 for 4): a safe bound. */
function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 ? 2 : 1;
  }
  return bytes;
}

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** What the runtime tells about where the event happens: the page, the browser, the language. */
function baseContext(): Properties {
  const { navigator, document } = globals();
  const context: Properties = {};
  if (navigator?.userAgent) context['userAgent'] = navigator.userAgent;
  if (navigator?.language) context['locale'] = navigator.language;
  const location = (globalThis as { location?: { href: string; pathname: string } }).location;
  if (location && document) {
    const page = document as { referrer?: string; title?: string };
    context['page'] = {
      url: location.href,
      path: location.pathname,
      referrer: page.referrer,
      title: page.title,
    };
  }
  return context;
}

function pageProperties(message: Message): Message {
  const page = (baseContext()['page'] ?? {}) as Properties;
  return {
    ...message,
    properties: { ...page, ...(message.name ? { name: message.name } : {}), ...message.properties },
  };
}

let instance: Analytics | undefined;

/**
 * The app's one client: a second call returns the first client (a framework that renders twice, a
 * snippet included twice); `createClient` makes independent ones.
 */
export function init(options: ClientOptions): Analytics {
  return (instance ??= new Analytics(options));
}

export function createClient(options: ClientOptions): Analytics {
  return new Analytics(options);
}
