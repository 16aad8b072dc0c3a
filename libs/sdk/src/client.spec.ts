import { Analytics, createClient, init, type ClientOptions } from './client';
import type { FetchLike, SdkError, SdkEvent, StorageLike } from './types';

interface Sent {
  url: string;
  at: number;
  body: { batch: SdkEvent[]; sentAt: string; writeKey: string };
}
type Answer = number | { status: number; body?: unknown; retryAfter?: string } | Error;

/** A gateway stand-in: records each POST and answers from `answers` in order, then 202. */
function fakeGateway(...answers: Answer[]): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (url, init) => {
    sent.push({ url, at: Date.now(), body: JSON.parse(init.body) as Sent['body'] });
    const next = answers.shift() ?? 202;
    if (next instanceof Error) throw next;
    const { status, body, retryAfter } = typeof next === 'number' ? { status: next } : next;
    return {
      status,
      headers: {
        get: (name: string) => (name.toLowerCase() === 'retry-after' ? (retryAfter ?? null) : null),
      },
      text: async () => JSON.stringify(body ?? { accepted: 0, rejected: [] }),
    };
  };
  return { fetch, sent };
}

function fakeStorage(): StorageLike & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

function client(options: Partial<ClientOptions> & { fetch: FetchLike }): {
  analytics: Analytics;
  errors: SdkError[];
} {
  const errors: SdkError[] = [];
  const analytics = createClient({
    writeKey: 'nsk_test_1234567890',
    host: 'https://gw.test/',
    storage: 'memory',
    onError: (error) => errors.push(error),
    ...options,
  });
  return { analytics, errors };
}

const names = (sent: Sent[]) =>
  sent.map((request) => request.body.batch.map((event) => event.event ?? event.type));

beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00.000Z') });
  jest.spyOn(Math, 'random').mockReturnValue(0.999);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('batching', () => {
  it('sends once flushAt events wait, in one POST /v1/batch with the key in the body', async () => {
    const gateway = fakeGateway();
    const { analytics } = client({ fetch: gateway.fetch, flushAt: 3 });
    analytics.track('A');
    analytics.track('B');
    await jest.advanceTimersByTimeAsync(0);
    expect(gateway.sent).toHaveLength(0);
    analytics.track('C');
    await jest.advanceTimersByTimeAsync(0);
    expect(names(gateway.sent)).toEqual([['A', 'B', 'C']]);
    expect(gateway.sent[0].url).toBe('https://gw.test/v1/batch');
    expect(gateway.sent[0].body.writeKey).toBe('nsk_test_1234567890');
  });

  it('sends what waits flushInterval ms after the first event', async () => {
    const gateway = fakeGateway();
    const { analytics } = client({ fetch: gateway.fetch, flushInterval: 5000 });
    analytics.track('A');
    await jest.advanceTimersByTimeAsync(4999);
    expect(gateway.sent).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(names(gateway.sent)).toEqual([['A']]);
  });

  it('gives every event its own messageId and stamps sentAt when it is sent, not when tracked', async () => {
    const gateway = fakeGateway();
    const { analytics } = client({ fetch: gateway.fetch });
    analytics.track('A');
    analytics.page('Home');
    await jest.advanceTimersByTimeAsync(3000);
    await analytics.flush();
    const [{ body }] = gateway.sent;
    expect(new Set(body.batch.map((event) => event.messageId)).size).toBe(2);
    expect(body.batch[0].messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.batch[0].timestamp).toBe('2026-12-01T10:00:00.000Z');
    expect(body.sentAt).toBe('2026-12-01T10:00:03.000Z');
    expect(body.batch.map((event) => event.sentAt)).toEqual([body.sentAt, body.sentAt]);
  });

  it('builds Segment-spec events for every call, positional or object style', async () => {
    const gateway = fakeGateway();
    const { analytics } = client({ fetch: gateway.fetch });
    analytics.identify('user-1', { plan: 'pro' });
    analytics.track({ userId: 'user-2', event: 'Signed Up', properties: { a: 1 } });
    analytics.page('Docs', 'Intro', { path: '/docs' });
    analytics.screen('Home', { tab: 1 });
    analytics.group('org-1', { name: 'Acme' });
    analytics.alias('user-3');
    analytics.transaction(
      { chainId: 1, walletAddress: '0xabc', txHash: '0xdef', method: 'swap' },
      { usd: 5 },
    );
    analytics.wallet('connect', { walletAddress: '0xabc', chainId: 1 });
    await analytics.flush();
    const batch = gateway.sent[0].body.batch;
    expect(
      batch.map(({ type, event, name, category, groupId, userId, previousId }) => ({
        type,
        event,
        name,
        category,
        groupId,
        userId,
        previousId,
      })),
    ).toEqual([
      { type: 'identify', userId: 'user-1' },
      { type: 'track', event: 'Signed Up', userId: 'user-2' },
      { type: 'page', category: 'Docs', name: 'Intro', userId: 'user-1' },
      { type: 'screen', name: 'Home', userId: 'user-1' },
      { type: 'group', groupId: 'org-1', userId: 'user-1' },
      { type: 'alias', userId: 'user-3', previousId: 'user-1' },
      { type: 'transaction', event: 'swap', userId: 'user-3' },
      { type: 'wallet', event: 'connect', userId: 'user-3' },
    ]);
    expect(batch[0].traits).toEqual({ plan: 'pro' });
    // An object-style call names its user: neither the stored user nor the anonymous id is added.
    expect(batch[1].anonymousId).toBeUndefined();
    expect(batch[2].properties).toEqual({ path: '/docs', name: 'Intro' });
    expect(batch[6].web3).toEqual({ chainId: 1, walletAddress: '0xabc', txHash: '0xdef', method: 'swap' });
    expect(batch[0].context?.['library']).toEqual({ name: '@northstar/sdk', version: expect.any(String) });
  });
});

describe('retries', () => {
  it('retries network errors and 5xx with growing jittered delays, then delivers once', async () => {
    const gateway = fakeGateway(new TypeError('offline'), 503, 502);
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const { analytics, errors } = client({ fetch: gateway.fetch, minBackoff: 1000 });
    analytics.track('A');
    const flushed = analytics.flush();
    await jest.advanceTimersByTimeAsync(0);
    expect(gateway.sent).toHaveLength(1);
    // Delays in [min·2^n / 2, min·2^n]: with this random, 750, 1500, 3000 ms.
    await jest.advanceTimersByTimeAsync(749);
    expect(gateway.sent).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(gateway.sent).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1499);
    expect(gateway.sent).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(gateway.sent).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(3000);
    await flushed;
    expect(gateway.sent).toHaveLength(4);
    const ids = gateway.sent.map((request) => request.body.batch[0].messageId);
    expect(new Set(ids).size).toBe(1);
    expect(errors).toEqual([]);
  });

  it('waits the Retry-After of a 429 before sending again', async () => {
    const gateway = fakeGateway({ status: 429, retryAfter: '7' });
    const { analytics } = client({ fetch: gateway.fetch, minBackoff: 100 });
    analytics.track('A');
    const flushed = analytics.flush();
    await jest.advanceTimersByTimeAsync(6999);
    expect(gateway.sent).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    await flushed;
    expect(gateway.sent.map((request) => request.at - gateway.sent[0].at)).toEqual([0, 7000]);
  });

  it('does not hold flush() for a Retry-After longer than the backoff cap, and sends after it', async () => {
    const gateway = fakeGateway({ status: 429, retryAfter: '3600' });
    const { analytics, errors } = client({ fetch: gateway.fetch });
    analytics.track('A');
    await analytics.flush();
    expect(errors).toMatchObject([{ kind: 'internal', status: 429 }]);
    await jest.advanceTimersByTimeAsync(3_599_999);
    expect(gateway.sent).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(names(gateway.sent)).toEqual([['A'], ['A']]);
  });

  it('sends nothing during a quota refusal of 30 days, however many events come, then sends them all', async () => {
    const days30 = 30 * 86_400;
    const gateway = fakeGateway({ status: 429, retryAfter: String(days30) });
    const storage = fakeStorage();
    const { analytics } = client({ fetch: gateway.fetch, storage, flushAt: 2 });
    analytics.track('A');
    await analytics.flush();
    for (const name of ['B', 'C', 'D']) analytics.track(name);
    await analytics.flush();
    // Longer than a timer can wait: a timer set for it naively would fire at once.
    await jest.advanceTimersByTimeAsync(days30 * 1000 - 1);
    expect(gateway.sent).toHaveLength(1);
    // Another page of the same site (a reload) holds too: the hold is kept beside the queue.
    const reloaded = client({ fetch: gateway.fetch, storage, flushAt: 2 }).analytics;
    await reloaded.flush();
    expect(gateway.sent).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    await analytics.flush();
    expect(names(gateway.sent).slice(1).flat().sort()).toEqual(['A', 'B', 'C', 'D']);
  });

  it('keeps the events queued after maxRetries and sends them on a later flush', async () => {
    const gateway = fakeGateway(500, 500, 500);
    const { analytics, errors } = client({ fetch: gateway.fetch, maxRetries: 2, minBackoff: 10 });
    analytics.track('A');
    const flushed = analytics.flush();
    await jest.advanceTimersByTimeAsync(100);
    await flushed;
    expect(gateway.sent).toHaveLength(3);
    expect(errors.map((error) => error.kind)).toEqual(['internal']);
    await analytics.flush();
    expect(names(gateway.sent).at(-1)).toEqual(['A']);
    expect(gateway.sent).toHaveLength(4);
  });
});

describe('events the server refuses', () => {
  it('reports each rejected event with the server reason to onError and on(rejected), and does not resend it', async () => {
    const errors = [{ field: 'web3.txHash', message: 'txHash must be a 0x-hex hash' }];
    const gateway = fakeGateway({ status: 202, body: { accepted: 1, rejected: [{ index: 1, errors }] } });
    const { analytics, errors: reported } = client({ fetch: gateway.fetch });
    const rejected: SdkError[] = [];
    analytics.on('rejected', (error) => rejected.push(error));
    analytics.track('Good');
    analytics.transaction({ chainId: 1, walletAddress: '0xabc', txHash: 'nope' });
    await analytics.flush();
    await analytics.flush();
    expect(gateway.sent).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ kind: 'rejected', errors, status: 202 });
    expect(rejected[0].events?.map((event) => event.type)).toEqual(['transaction']);
    expect(reported).toEqual(rejected);
  });

  it('does not retry a batch refused as a whole (400, 401) and reports it', async () => {
    const gateway = fakeGateway({
      status: 400,
      body: { title: 'Bad Request', detail: 'batch must be an array', errors: [{ field: 'batch' }] },
    });
    const { analytics, errors } = client({ fetch: gateway.fetch });
    analytics.track('A');
    await analytics.flush();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(gateway.sent).toHaveLength(1);
    expect(errors).toMatchObject([
      { kind: 'rejected', status: 400, message: 'batch must be an array', errors: [{ field: 'batch' }] },
    ]);
  });
});

describe('the queue in storage', () => {
  it('keeps unsent events in storage: a new client (a reload) sends them', async () => {
    const storage = fakeStorage();
    const offline: FetchLike = () => Promise.reject(new TypeError('offline'));
    const first = client({ fetch: offline, storage, maxRetries: 1, minBackoff: 10 });
    first.analytics.track('Before Reload');
    const flushed = first.analytics.flush();
    await jest.advanceTimersByTimeAsync(100);
    await flushed;

    const online = fakeGateway();
    const second = client({ fetch: online.fetch, storage });
    second.analytics.track('After Reload');
    await jest.advanceTimersByTimeAsync(60_000 + 31_000);
    await second.analytics.flush();
    expect(names(online.sent).flat()).toEqual(['Before Reload', 'After Reload']);
    expect(storage.items.get('ns_34567890_queue')).toBeUndefined();
  });

  it('lets one tab at a time send the shared queue', async () => {
    const storage = fakeStorage();
    const gateway = fakeGateway();
    const tabA = client({ fetch: gateway.fetch, storage });
    const tabB = client({ fetch: gateway.fetch, storage });
    tabA.analytics.track('A');
    tabB.analytics.track('B');
    await Promise.all([tabA.analytics.flush(), tabB.analytics.flush()]);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(names(gateway.sent).flat().sort()).toEqual(['A', 'B']);
  });

  it('falls back to memory when storage is full and still sends', async () => {
    const storage = fakeStorage();
    storage.setItem = (key) => {
      if (key.endsWith('_queue')) throw new Error('QuotaExceededError');
    };
    const gateway = fakeGateway();
    const { analytics, errors } = client({ fetch: gateway.fetch, storage });
    analytics.track('A');
    analytics.track('B');
    await analytics.flush();
    expect(names(gateway.sent)).toEqual([['A', 'B']]);
    expect(errors).toEqual([]);
  });

  it('drops the oldest events past maxQueueEvents and reports them', async () => {
    const gateway = fakeGateway();
    const { analytics, errors } = client({ fetch: gateway.fetch, maxQueueEvents: 3 });
    for (const name of ['1', '2', '3', '4', '5']) analytics.track(name);
    await analytics.flush();
    expect(names(gateway.sent)).toEqual([['3', '4', '5']]);
    expect(
      errors
        .flatMap((error) => (error.kind === 'dropped' ? (error.events ?? []) : []))
        .map((event) => event.event),
    ).toEqual(['1', '2']);
  });
});

describe('leaving the page', () => {
  it('sends what waits with a keepalive fetch when the page is hidden, at most 64 KiB of it', async () => {
    const listeners: Record<string, () => void> = {};
    const page = globalThis as unknown as Record<string, unknown>;
    page['document'] = { cookie: '', visibilityState: 'visible' };
    page['addEventListener'] = (name: string, listener: () => void) => (listeners[name] = listener);
    try {
      const keepalive: boolean[] = [];
      const gateway = fakeGateway();
      const fetch: FetchLike = (url, init) => {
        keepalive.push(init.keepalive === true);
        return gateway.fetch(url, init);
      };
      const { analytics } = client({ fetch, flushAt: 1000 });
      for (let i = 0; i < 40; i++) analytics.track(`Big ${i}`, { blob: 'x'.repeat(3000) });
      (page['document'] as { visibilityState: string }).visibilityState = 'hidden';
      listeners['visibilitychange']();
      await jest.advanceTimersByTimeAsync(0);
      expect(keepalive).toEqual([true]);
      const sent = names(gateway.sent)[0];
      expect(sent.length).toBeGreaterThan(10);
      expect(sent.length).toBeLessThan(21);
      expect(JSON.stringify(gateway.sent[0].body).length).toBeLessThan(64 * 1024);
      // What was not sent is still queued for the next flush.
      await analytics.flush();
      expect(names(gateway.sent).flat()).toEqual(Array.from({ length: 40 }, (_, i) => `Big ${i}`));
    } finally {
      delete page['document'];
      delete page['addEventListener'];
    }
  });
});

describe('reloads and lost connections', () => {
  const listeners: Record<string, () => void> = {};
  const page = globalThis as unknown as Record<string, unknown>;
  beforeEach(() => {
    page['document'] = { cookie: '', visibilityState: 'visible' };
    page['addEventListener'] = (name: string, listener: () => void) => (listeners[name] = listener);
  });
  afterEach(() => {
    delete page['document'];
    delete page['addEventListener'];
  });

  it('lets the next page send at once: a page going away gives up its lock on the stored queue', async () => {
    const storage = fakeStorage();
    const offline: FetchLike = () => Promise.reject(new TypeError('offline'));
    const first = client({ fetch: offline, storage, flushAt: 1, minBackoff: 1000, maxBackoff: 1000 });
    first.analytics.track('Before Reload');
    await jest.advanceTimersByTimeAsync(10);
    listeners['pagehide']();
    await jest.advanceTimersByTimeAsync(10);

    const gateway = fakeGateway();
    const second = client({ fetch: gateway.fetch, storage, flushAt: 1 });
    second.analytics.track('After Reload');
    await jest.advanceTimersByTimeAsync(10);
    // Without the release the lock would hold the new page back for a minute.
    expect(names(gateway.sent).flat()).toEqual(['Before Reload', 'After Reload']);
  });

  it('sends when the browser is back online instead of waiting out the backoff', async () => {
    const gateway = fakeGateway(new TypeError('offline'));
    const { analytics } = client({
      fetch: gateway.fetch,
      flushAt: 1,
      minBackoff: 20_000,
      maxBackoff: 20_000,
    });
    analytics.track('While Offline');
    await jest.advanceTimersByTimeAsync(10);
    expect(gateway.sent).toHaveLength(1);
    listeners['online']();
    await jest.advanceTimersByTimeAsync(10);
    expect(gateway.sent).toHaveLength(2);
    expect(names(gateway.sent)[1]).toEqual(['While Offline']);
  });
});

describe('leaving the page without keepalive fetch', () => {
  interface Beacon {
    url: string;
    body: string;
  }
  const page = globalThis as unknown as Record<string, unknown>;
  let listeners: Record<string, () => void>;
  let beacons: Beacon[];
  let accept: number;

  beforeEach(() => {
    listeners = {};
    beacons = [];
    accept = Infinity;
    page['document'] = { cookie: '', visibilityState: 'visible' };
    page['addEventListener'] = (name: string, listener: () => void) => (listeners[name] = listener);
    Object.defineProperty(globalThis, 'navigator', {
      configurable: true,
      value: {
        sendBeacon(this: unknown, url: string, body: string) {
          // The real one throws "Illegal invocation" when called off the navigator.
          if (this !== page['navigator']) throw new TypeError('Illegal invocation');
          if (beacons.length >= accept) return false;
          beacons.push({ url, body });
          return true;
        },
      },
    });
  });
  afterEach(() => {
    delete page['document'];
    delete page['addEventListener'];
    delete page['navigator'];
  });

  const beaconed = () =>
    beacons.flatMap((beacon) => (JSON.parse(beacon.body) as Sent['body']).batch.map((event) => event.event));
  const all = Array.from({ length: 40 }, (_, i) => `Big ${i}`);
  const refusingKeepalive =
    (gateway: ReturnType<typeof fakeGateway>): FetchLike =>
    (url, init) => {
      if (init.keepalive) throw new TypeError('keepalive is not supported');
      return gateway.fetch(url, init);
    };

  it('hands the whole queue to sendBeacon in text bodies of at most 64 KiB when keepalive fetch throws', async () => {
    const gateway = fakeGateway();
    const { analytics } = client({ fetch: refusingKeepalive(gateway), flushAt: 1000 });
    // 40 events of ~3 KB with two-byte characters: about 240 KB of UTF-8, so several beacons.
    for (let i = 0; i < 40; i++) analytics.track(`Big ${i}`, { blob: 'é'.repeat(3000) });
    listeners['pagehide']();
    await jest.advanceTimersByTimeAsync(0);

    expect(beacons.length).toBeGreaterThan(3);
    for (const beacon of beacons) {
      expect(typeof beacon.body).toBe('string'); // a string body goes as text/plain: CORS-simple
      expect(Buffer.byteLength(beacon.body, 'utf8')).toBeLessThanOrEqual(64 * 1024);
      expect(beacon.url).toBe('https://gw.test/v1/batch');
      expect((JSON.parse(beacon.body) as Sent['body']).writeKey).toBe('nsk_test_1234567890');
    }
    expect(beaconed()).toEqual(all);
    // Handed over: nothing is left to send again.
    await analytics.flush();
    expect(gateway.sent).toEqual([]);
  });

  it('keeps what the browser refused to take as a beacon for the next flush', async () => {
    accept = 1;
    const gateway = fakeGateway();
    const { analytics } = client({ fetch: refusingKeepalive(gateway), flushAt: 1000 });
    for (let i = 0; i < 40; i++) analytics.track(`Big ${i}`, { blob: 'x'.repeat(3000) });
    listeners['pagehide']();
    await jest.advanceTimersByTimeAsync(0);

    expect(beacons).toHaveLength(1);
    const first = beaconed();
    expect(first.length).toBeGreaterThan(10);
    await analytics.flush();
    expect(names(gateway.sent).flat()).toEqual(all.slice(first.length));
  });

  it('uses sendBeacon when the runtime has no fetch at all', async () => {
    const fetch = page['fetch'];
    delete page['fetch'];
    try {
      const errors: SdkError[] = [];
      const analytics = createClient({
        writeKey: 'nsk_test_1234567890',
        host: 'https://gw.test',
        storage: 'memory',
        onError: (error) => errors.push(error),
      });
      analytics.track('Last click');
      (page['document'] as { visibilityState: string }).visibilityState = 'hidden';
      listeners['visibilitychange']();
      await jest.advanceTimersByTimeAsync(0);
      expect(beaconed()).toEqual(['Last click']);
      expect(errors).toEqual([]);
    } finally {
      page['fetch'] = fetch;
    }
  });

  it('still prefers a keepalive fetch when there is one', async () => {
    const gateway = fakeGateway();
    const { analytics } = client({ fetch: gateway.fetch, flushAt: 1000 });
    analytics.track('Last click');
    listeners['pagehide']();
    await jest.advanceTimersByTimeAsync(0);
    expect(beacons).toEqual([]);
    expect(names(gateway.sent)).toEqual([['Last click']]);
  });
});

describe('page auto-capture', () => {
  const page = globalThis as unknown as Record<string, unknown>;
  let listeners: Record<string, (() => void)[]>;
  let location: { href: string; pathname: string };
  let history: {
    pushState: (state: unknown, title: string, url: string) => string;
    replaceState: (state: unknown, title: string, url: string) => string;
  };
  const go = (path: string) => {
    location.href = `https://app.test${path}`;
    location.pathname = path.split('?')[0];
  };

  beforeEach(() => {
    listeners = {};
    location = { href: 'https://app.test/', pathname: '/' };
    history = {
      pushState(_state, _title, url) {
        if (this !== history) throw new TypeError('Illegal invocation');
        go(url);
        return 'pushed';
      },
      replaceState(_state, _title, url) {
        go(url);
        return 'replaced';
      },
    };
    page['document'] = { cookie: '', title: 'Shop', referrer: '' };
    page['location'] = location;
    page['history'] = history;
    page['addEventListener'] = (name: string, listener: () => void) =>
      (listeners[name] ??= []).push(listener);
    page['removeEventListener'] = (name: string, listener: () => void) =>
      (listeners[name] = (listeners[name] ?? []).filter((each) => each !== listener));
  });
  afterEach(() => {
    for (const name of ['document', 'location', 'history', 'addEventListener', 'removeEventListener'])
      delete page[name];
  });

  const paths = (sent: Sent[]) =>
    sent.flatMap((request) =>
      request.body.batch.filter((event) => event.type === 'page').map((event) => event.properties?.['path']),
    );

  it('records the first page and each route change once, and leaves history as it was on close', async () => {
    const gateway = fakeGateway();
    const { pushState, replaceState } = history;
    const { analytics } = client({ fetch: gateway.fetch, autoPage: true });

    expect(history.pushState('s', '', '/pricing')).toBe('pushed');
    await jest.advanceTimersByTimeAsync(0);
    history.replaceState('s', '', '/pricing'); // the same URL: no new page
    await jest.advanceTimersByTimeAsync(0);
    history.pushState('s', '', '/docs?tab=1');
    await jest.advanceTimersByTimeAsync(0);
    go('/pricing'); // back
    for (const listener of listeners['popstate'] ?? []) listener();
    await jest.advanceTimersByTimeAsync(0);
    await analytics.close();

    expect(paths(gateway.sent)).toEqual(['/', '/pricing', '/docs', '/pricing']);
    const first = gateway.sent[0].body.batch[0];
    expect(first.properties).toMatchObject({ url: 'https://app.test/', title: 'Shop' });
    expect(history.pushState).toBe(pushState);
    expect(history.replaceState).toBe(replaceState);
    expect(listeners['popstate']).toEqual([]);
  });

  it('is off by default', async () => {
    const gateway = fakeGateway();
    const { pushState } = history;
    const { analytics } = client({ fetch: gateway.fetch });
    history.pushState('s', '', '/pricing');
    await jest.advanceTimersByTimeAsync(0);
    await analytics.flush();
    expect(gateway.sent).toEqual([]);
    expect(history.pushState).toBe(pushState);
  });

  it('does nothing where there is no location (Node, server-side rendering)', async () => {
    for (const name of ['document', 'location', 'history', 'addEventListener']) delete page[name];
    const gateway = fakeGateway();
    const { analytics, errors } = client({ fetch: gateway.fetch, autoPage: true });
    await analytics.flush();
    expect(gateway.sent).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('identity', () => {
  it('keeps the anonymous id in storage, carries it on identify, and reset starts a new one', async () => {
    const storage = fakeStorage();
    const gateway = fakeGateway();
    const { analytics } = client({ fetch: gateway.fetch, storage });
    const anonymousId = analytics.anonymousId();
    expect(client({ fetch: gateway.fetch, storage }).analytics.anonymousId()).toBe(anonymousId);
    analytics.identify('user-1', { email: 'ada@example.com' });
    analytics.track('After');
    analytics.reset();
    analytics.track('Reset');
    await analytics.flush();
    const [identify, after, reset] = gateway.sent[0].body.batch;
    expect([identify.anonymousId, identify.userId]).toEqual([anonymousId, 'user-1']);
    expect([after.anonymousId, after.userId]).toEqual([anonymousId, 'user-1']);
    expect(reset.anonymousId).not.toBe(anonymousId);
    expect(reset.userId).toBeUndefined();
  });
});

describe('safety', () => {
  it('init twice returns the first client', () => {
    const first = init({ writeKey: 'k1', storage: 'memory' });
    expect(init({ writeKey: 'k2', storage: 'memory' })).toBe(first);
  });

  it('never throws into the app: a broken fetch, storage, listener or event goes to onError', async () => {
    const storage = fakeStorage();
    storage.getItem = () => {
      throw new Error('SecurityError');
    };
    const fetch: FetchLike = () => {
      throw new Error('fetch blew up');
    };
    const errors: SdkError[] = [];
    const analytics = createClient({
      writeKey: 'k',
      storage,
      maxRetries: 0,
      onError: (error) => {
        errors.push(error);
        throw new Error('listener blew up');
      },
      fetch,
    });
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => {
      analytics.track('A', circular);
      analytics.identify('u');
      analytics.page();
      analytics.reset();
      analytics.track(undefined as unknown as string);
    }).not.toThrow();
    await expect(analytics.flush()).resolves.toBeUndefined();
    await expect(analytics.close()).resolves.toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
  });
});
