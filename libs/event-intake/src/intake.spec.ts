import type { EventEnvelope } from '@northstar/contracts';
import { decodeEnvelope, validateEnvelope } from './envelope';
import { intakeBatch, intakeEvent, IntakeRequestError, type IntakeOptions } from './intake';

const receivedAt = new Date('2026-11-22T10:00:10.000Z');
const options: IntakeOptions = { projectId: 'proj-1', receivedAt };
const WALLET = '0x52908400098527886E0F7030069857D2E4169EE7';
const TX = `0x${'AB'.repeat(32)}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const track = (overrides: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Signed Up',
  userId: 'user-1',
  timestamp: '2026-11-22T10:00:00.000Z',
  ...overrides,
});

function only(body: unknown, opts: IntakeOptions = options): EventEnvelope {
  const { accepted, rejected } = intakeEvent(body, opts);
  expect(rejected).toEqual([]);
  return accepted[0];
}

function errorsOf(event: unknown, opts: IntakeOptions = options): Array<{ field: string; message: string }> {
  const { accepted, rejected } = intakeBatch({ batch: [event] }, opts);
  expect(accepted).toEqual([]);
  return rejected[0].errors;
}

const fieldsOf = (event: unknown) => errorsOf(event).map((error) => error.field);

function requestError(run: () => unknown): IntakeRequestError {
  try {
    run();
  } catch (error) {
    if (error instanceof IntakeRequestError) return error;
    throw error;
  }
  throw new Error('expected an IntakeRequestError');
}

describe('intakeBatch', () => {
  it('accepts every event type and keeps them in request order', () => {
    const batch = [
      track(),
      { type: 'page', name: 'Pricing', anonymousId: 'anon-1', properties: { path: '/pricing' } },
      { type: 'screen', name: 'Home', anonymousId: 'anon-1' },
      { type: 'identify', userId: 'user-1', traits: { email: 'ada@example.com' } },
      { type: 'group', userId: 'user-1', groupId: 'org-9', traits: { name: 'Acme' } },
      { type: 'alias', userId: 'user-1', previousId: 'anon-1' },
      {
        type: 'transaction',
        event: 'Swap',
        userId: 'user-1',
        web3: { chainId: 1, walletAddress: WALLET, txHash: TX, value: '1000', status: 'success' },
      },
      { type: 'wallet', event: 'Wallet Connected', anonymousId: 'anon-1', web3: { walletAddress: WALLET } },
    ];
    const { accepted, rejected } = intakeBatch({ batch }, options);
    expect(rejected).toEqual([]);
    expect(accepted.map((e) => e.type)).toEqual([
      'track',
      'page',
      'screen',
      'identify',
      'group',
      'alias',
      'transaction',
      'wallet',
    ]);
    expect(accepted[4]).toMatchObject({ groupId: 'org-9', traits: { name: 'Acme' } });
    expect(accepted[5]).toMatchObject({ previousId: 'anon-1' });
    expect(accepted[1]).toMatchObject({ name: 'Pricing', anonymousId: 'anon-1' });
  });

  it('normalizes an event into an envelope with server ids', () => {
    const envelope = only(
      track({
        messageId: 'm-1',
        properties: { plan: 'pro', nested: { a: [1, 2] } },
        context: {
          page: {
            url: 'https://app.example.com/p?x=1',
            path: '/p',
            referrer: 'https://google.com/',
            title: 'P',
          },
          userAgent: 'Mozilla/5.0',
          ip: '203.0.113.7',
          locale: 'en-US',
          library: { name: 'analytics.js', version: '5.0.0' },
          campaign: { source: 'newsletter' },
        },
      }),
    );
    expect(envelope).toEqual({
      v: 1,
      eventId: expect.stringMatching(UUID),
      projectId: 'proj-1',
      messageId: 'm-1',
      type: 'track',
      event: 'Signed Up',
      userId: 'user-1',
      timestamp: '2026-11-22T10:00:00.000Z',
      clientTimestamp: '2026-11-22T10:00:00.000Z',
      receivedAt: '2026-11-22T10:00:10.000Z',
      context: {
        page: {
          url: 'https://app.example.com/p?x=1',
          path: '/p',
          referrer: 'https://google.com/',
          title: 'P',
        },
        userAgent: 'Mozilla/5.0',
        ip: '203.0.113.7',
        locale: 'en-US',
        library: { name: 'analytics.js', version: '5.0.0' },
        campaign: { source: 'newsletter' },
      },
      properties: { plan: 'pro', nested: { a: [1, 2] } },
      traits: {},
      raw: expect.any(String),
    });
  });

  it('generates a messageId when the client sent none, and a new eventId every time', () => {
    const [a, b] = intakeBatch({ batch: [track(), track()] }, options).accepted;
    expect(a.messageId).toMatch(UUID);
    expect(a.messageId).not.toBe(b.messageId);
    expect(a.eventId).not.toBe(b.eventId);
    const [c, d] = intakeBatch(
      { batch: [track({ messageId: 'same' }), track({ messageId: 'same' })] },
      options,
    ).accepted;
    expect([c.messageId, d.messageId]).toEqual(['same', 'same']);
    expect(c.eventId).not.toBe(d.eventId);
  });

  it('rejects invalid events by index with the failing fields, and accepts the rest', () => {
    const { accepted, rejected } = intakeBatch(
      {
        batch: [
          track(),
          track({ event: undefined }),
          track({ userId: undefined }),
          track({ type: 'purchase' }),
          track({ messageId: 'ok' }),
        ],
      },
      options,
    );
    expect(accepted.map((e) => e.messageId)).toEqual([expect.any(String), 'ok']);
    expect(rejected).toEqual([
      { index: 1, errors: [{ field: 'event', message: expect.stringContaining('event') }] },
      {
        index: 2,
        errors: [
          { field: 'userId', message: 'userId or anonymousId is required (a non-empty string or a number)' },
        ],
      },
      { index: 3, errors: [expect.objectContaining({ field: 'type' })] },
    ]);
  });

  it.each([
    ['a track without event', track({ event: '' }), ['event']],
    [
      'a wallet event without event',
      { type: 'wallet', userId: 'u', web3: { walletAddress: WALLET } },
      ['event'],
    ],
    ['neither userId nor anonymousId', { type: 'identify', userId: '  ' }, ['userId']],
    ['a group without groupId', { type: 'group', userId: 'u' }, ['groupId']],
    ['an alias without previousId', { type: 'alias', userId: 'u' }, ['previousId']],
    ['a timestamp without a zone', track({ timestamp: '2026-11-22T10:00:00' }), ['timestamp']],
    ['a timestamp that is no date', track({ timestamp: 'yesterday' }), ['timestamp']],
    ['a timestamp before 2000', track({ timestamp: '1999-12-31T23:59:59Z' }), ['timestamp']],
    ['properties that are an array', track({ properties: [1, 2] }), ['properties']],
    ['traits that are a string', { type: 'identify', userId: 'u', traits: 'x' }, ['traits']],
    ['a page url that is a number', track({ context: { page: { url: 42 } } }), ['context.page.url']],
    ['a context that is an array', track({ context: [] }), ['context']],
    ['an ip that is no ip', track({ context: { ip: 'localhost' } }), ['context.ip']],
    ['a messageId with a newline', track({ messageId: 'a\nb' }), ['messageId']],
    ['a userId of 256 characters', track({ userId: 'u'.repeat(256) }), ['userId']],
  ])('rejects %s', (_name, event, fields) => {
    expect(fieldsOf(event)).toEqual(fields);
  });

  describe('web3', () => {
    const tx = (web3: Record<string, unknown>) => ({ type: 'transaction', event: 'Swap', userId: 'u', web3 });
    const full = { chainId: 1, walletAddress: WALLET, txHash: TX };

    it('requires chainId, walletAddress and txHash on a transaction', () => {
      expect(fieldsOf(tx({}))).toEqual(['web3.chainId', 'web3.walletAddress', 'web3.txHash']);
      expect(errorsOf(tx({ chainId: 1, walletAddress: WALLET }))).toEqual([
        { field: 'web3.txHash', message: 'txHash is required for a transaction' },
      ]);
      expect(fieldsOf({ type: 'transaction', event: 'Swap', userId: 'u' })).toEqual(['web3']);
    });

    it('requires walletAddress on a wallet event, and nothing on others', () => {
      expect(fieldsOf({ type: 'wallet', event: 'Connect', userId: 'u', web3: { chainId: 1 } })).toEqual([
        'web3.walletAddress',
      ]);
      expect(fieldsOf({ type: 'wallet', event: 'Connect', userId: 'u' })).toEqual(['web3']);
      expect(intakeEvent(track({ web3: { chainId: 10 } }), options).accepted[0].web3).toEqual({
        chainId: 10,
      });
    });

    it.each([
      ['a chain id of 0', { ...full, chainId: 0 }, 'web3.chainId'],
      ['a chain id that is a string', { ...full, chainId: '1' }, 'web3.chainId'],
      ['a fractional chain id', { ...full, chainId: 1.5 }, 'web3.chainId'],
      ['an address of 39 hex digits', { ...full, walletAddress: WALLET.slice(0, -1) }, 'web3.walletAddress'],
      ['an address without 0x', { ...full, walletAddress: WALLET.slice(2) + '00' }, 'web3.walletAddress'],
      ['a hash of 63 hex digits', { ...full, txHash: TX.slice(0, -1) }, 'web3.txHash'],
      ['a hash with a non-hex digit', { ...full, txHash: `0x${'g'.repeat(64)}` }, 'web3.txHash'],
      ['a bad contract address', { ...full, contractAddress: '0x1234' }, 'web3.contractAddress'],
      ['a negative value', { ...full, value: '-1' }, 'web3.value'],
      ['a value in exponent form', { ...full, value: '1e18' }, 'web3.value'],
      ['a numeric value', { ...full, value: 1000 }, 'web3.value'],
      ['an unknown status', { ...full, status: 'done' }, 'web3.status'],
    ])('rejects %s', (_name, web3, field) => {
      expect(fieldsOf(tx(web3))).toEqual([field]);
    });

    it('lower-cases addresses and hashes, and keeps a value of any size exactly', () => {
      const huge = '115792089237316195423570985008687907853269984665640564039457584007913129639935123';
      const envelope = only(
        tx({
          ...full,
          contractAddress: WALLET,
          value: `000${huge}`,
          method: 'swapExactTokens',
          status: 'pending',
        }),
      );
      expect(envelope.web3).toEqual({
        chainId: 1,
        walletAddress: WALLET.toLowerCase(),
        txHash: TX.toLowerCase(),
        contractAddress: WALLET.toLowerCase(),
        method: 'swapExactTokens',
        value: huge,
        status: 'pending',
      });
      expect(only(tx({ ...full, value: '000' })).web3?.value).toBe('0');
    });
  });

  it('accepts and ignores the fields Segment and RudderStack libraries add', () => {
    const segment = track({
      integrations: { All: true },
      _metadata: { nodeVersion: '20' },
      channel: 'server',
      writeKey: 'nsk_secret_key',
      version: 2,
      sentAt: '2026-11-22T10:00:05.000Z',
      context: {
        library: { name: 'analytics-node', version: '3.1.0' },
        timezone: 'Europe/Paris',
        ip: '198.51.100.4',
      },
      somethingNew: { deep: true },
    });
    const envelope = only(segment);
    expect(envelope.context).toEqual({
      library: { name: 'analytics-node', version: '3.1.0' },
      ip: '198.51.100.4',
    });
    expect(envelope).not.toHaveProperty('integrations');
    const raw = JSON.parse(envelope.raw) as Record<string, unknown>;
    expect(raw).toMatchObject({
      integrations: { All: true },
      channel: 'server',
      somethingNew: { deep: true },
    });
    expect(raw['context']).toEqual({
      library: { name: 'analytics-node', version: '3.1.0' },
      timezone: 'Europe/Paris',
    });
    // The write key is a credential and the ip personal data: neither goes further than here.
    expect(envelope.raw).not.toContain('nsk_secret_key');
    expect(envelope.raw).not.toContain('198.51.100.4');
  });

  it('takes a batch of @rudderstack/rudder-sdk-node as it sends it, extra fields and all', () => {
    // The body that library posts (3.0.13), plus the rudderId and context its other SDKs add.
    const rudder = (overrides: Record<string, unknown>) => ({
      context: {
        library: { name: 'analytics-node', version: '3.0.13' },
        screen: { density: 2 },
      },
      channel: 'server',
      _metadata: { nodeVersion: '20.20.2' },
      originalTimestamp: '2026-11-22T10:00:00.000Z',
      messageId: '0d82eb24-8bdd-4c17-8cb7-8e3a75f77350',
      rudderId: 'b6fd6d74-4c7c-4e3f-9c38-9c1d1b9b8b1e',
      sentAt: '2026-11-22T10:00:00.000Z',
      ...overrides,
    });
    const body = {
      batch: [
        rudder({
          type: 'identify',
          userId: 'user-1',
          traits: { plan: 'pro' },
          context: { traits: { plan: 'pro' }, library: { name: 'analytics-node', version: '3.0.13' } },
        }),
        rudder({
          type: 'track',
          userId: 'user-1',
          event: 'Order Completed',
          properties: { total: 42.5 },
          messageId: '8a40779c-9112-49f7-9e0d-cc8f179112b4',
        }),
      ],
      timestamp: '2026-11-22T10:00:00.000Z',
      sentAt: '2026-11-22T10:00:00.000Z',
    };
    const { accepted, rejected } = intakeBatch(body, options);
    expect(rejected).toEqual([]);
    expect(accepted.map((e) => [e.type, e.userId, e.event, e.traits, e.properties])).toEqual([
      ['identify', 'user-1', undefined, { plan: 'pro' }, {}],
      ['track', 'user-1', 'Order Completed', {}, { total: 42.5 }],
    ]);
    expect(accepted[0].context).toEqual({
      library: { name: 'analytics-node', version: '3.0.13' },
    });
    expect(accepted[1].context).toEqual({
      library: { name: 'analytics-node', version: '3.0.13' },
    });
    // originalTimestamp is the client time, corrected by sentAt like Segment's timestamp.
    expect(accepted[1].timestamp).toBe('2026-11-22T10:00:10.000Z');
    expect(JSON.parse(accepted[1].raw)).toMatchObject({ channel: 'server', rudderId: expect.any(String) });
  });

  it('turns numeric ids into strings', () => {
    const envelope = only({ type: 'group', userId: 42, anonymousId: 7, groupId: 9 });
    expect(envelope).toMatchObject({ userId: '42', anonymousId: '7', groupId: '9' });
  });

  it('keeps an SDK session id, as a string', () => {
    expect(only(track({ context: { sessionId: 1732269600 } })).context.sessionId).toBe('1732269600');
  });

  describe('clock skew', () => {
    it('shifts the timestamp by receivedAt − sentAt of the event', () => {
      // The client's clock is 1 hour behind: it says it sent at 09:00:10 what we received at 10:00:10.
      const envelope = only(
        track({ timestamp: '2026-11-22T09:00:00.000Z', sentAt: '2026-11-22T09:00:10.000Z' }),
      );
      expect(envelope.timestamp).toBe('2026-11-22T10:00:00.000Z');
      expect(envelope.clientTimestamp).toBe('2026-11-22T09:00:00.000Z');
      expect(envelope.sentAt).toBe('2026-11-22T09:00:10.000Z');
    });

    it('uses the batch sentAt for events without their own, and the event one first', () => {
      const { accepted } = intakeBatch(
        {
          sentAt: '2026-11-22T10:00:20.000Z',
          batch: [
            track({ timestamp: '2026-11-22T10:00:15.250Z' }),
            track({ timestamp: '2026-11-22T10:00:15.250Z', sentAt: '2026-11-22T10:00:15.250Z' }),
          ],
        },
        options,
      );
      expect(accepted.map((e) => e.timestamp)).toEqual([
        '2026-11-22T10:00:05.250Z',
        '2026-11-22T10:00:10.000Z',
      ]);
    });

    it('keeps the timestamp without sentAt, and uses receivedAt without a timestamp', () => {
      expect(only(track({ timestamp: '2026-11-20T08:00:00.123+02:00' })).timestamp).toBe(
        '2026-11-20T06:00:00.123Z',
      );
      const untimed = only(track({ timestamp: undefined, sentAt: '2026-11-22T09:00:00.000Z' }));
      expect(untimed.timestamp).toBe(receivedAt.toISOString());
      expect(untimed).not.toHaveProperty('clientTimestamp');
    });

    it("takes RudderStack's originalTimestamp when there is no timestamp", () => {
      const envelope = only(
        track({
          timestamp: undefined,
          originalTimestamp: '2026-11-22T10:00:01.000Z',
          sentAt: '2026-11-22T10:00:02.000Z',
        }),
      );
      expect(envelope.timestamp).toBe('2026-11-22T10:00:09.000Z');
      expect(only(track({ timestamp: undefined, originalTimestamp: 'garbage' })).timestamp).toBe(
        receivedAt.toISOString(),
      );
    });

    it('rejects an event whose corrected time leaves the accepted range', () => {
      expect(errorsOf(track({ timestamp: '2000-01-01T00:00:01Z', sentAt: '2050-01-01T00:00:00Z' }))).toEqual([
        { field: 'timestamp', message: expect.stringContaining('2000') },
      ]);
    });

    it('refuses a batch whose sentAt is malformed', () => {
      const error = requestError(() => intakeBatch({ batch: [track()], sentAt: 'now' }, options));
      expect(error.status).toBe(400);
      expect(error.errors.map((e) => e.field)).toEqual(['sentAt']);
    });
  });

  describe('limits', () => {
    const padded = (bytes: number) => track({ properties: { pad: 'x'.repeat(bytes) } });

    it('rejects an event over 32 KiB by index, and accepts one just under', () => {
      const { accepted, rejected } = intakeBatch(
        { batch: [padded(32 * 1024), padded(32 * 1024 - 200)] },
        options,
      );
      expect(accepted).toHaveLength(1);
      expect(rejected).toEqual([
        { index: 0, errors: [{ field: '', message: expect.stringMatching(/over the limit of 32768/) }] },
      ]);
    });

    it('answers 413 for a single event over 32 KiB', () => {
      expect(requestError(() => intakeEvent(padded(40_000), options)).status).toBe(413);
    });

    it('answers 413 for more than 500 events, and takes 500', () => {
      const error = requestError(() =>
        intakeBatch({ batch: Array.from({ length: 501 }, () => track()) }, options),
      );
      expect(error.status).toBe(413);
      expect(
        intakeBatch({ batch: Array.from({ length: 500 }, () => track()) }, options).accepted,
      ).toHaveLength(500);
    });

    it('answers 400 for a body that is not a batch', () => {
      for (const body of [null, [], 'x', { batch: {} }, { events: [] }]) {
        const error = requestError(() => intakeBatch(body, options));
        expect(error.status).toBe(400);
        expect(error.errors).toEqual([{ field: 'batch', message: 'batch must be an array of events' }]);
      }
    });

    it('rejects events that are not objects or nest absurdly deep, without throwing', () => {
      let deep: unknown = 'bottom';
      for (let i = 0; i < 5000; i++) deep = { d: deep };
      const { rejected } = intakeBatch(
        { batch: ['text', 42, null, [track()], track({ properties: deep })] },
        options,
      );
      expect(rejected.map((r) => [r.index, r.errors[0].field])).toEqual([
        [0, ''],
        [1, ''],
        [2, ''],
        [3, ''],
        [4, ''],
      ]);
      expect(rejected[4].errors[0].message).toMatch(/deeper than 32/);
    });
  });

  describe('Segment per-type routes', () => {
    it('fills in the implied type, and rejects an event of another type', () => {
      const implied = { ...options, impliedType: 'identify' as const };
      expect(only({ userId: 'u', traits: { plan: 'pro' } }, implied).type).toBe('identify');
      expect(only({ type: 'identify', userId: 'u' }, implied).type).toBe('identify');
      expect(intakeEvent({ type: 'track', event: 'x', userId: 'u' }, implied).rejected).toEqual([
        { index: 0, errors: [{ field: 'type', message: 'type must be identify on this route' }] },
      ]);
    });

    it('applies the rules of the implied type', () => {
      const rejected = intakeEvent({ userId: 'u' }, { ...options, impliedType: 'track' }).rejected;
      expect(rejected[0].errors.map((e) => e.field)).toEqual(['event']);
    });
  });

  it("uses the caller's address when the event carries no ip, and the event's own first", () => {
    const withClient = { ...options, clientIp: '192.0.2.1' };
    expect(only(track(), withClient).context.ip).toBe('192.0.2.1');
    expect(only(track({ context: { ip: '2001:db8::1' } }), withClient).context.ip).toBe('2001:db8::1');
    expect(only(track(), { ...options, clientIp: 'unknown' }).context).toEqual({});
  });
});

describe('decodeEnvelope', () => {
  it('accepts what intake produced, after a trip through JSON', () => {
    const envelope = only(
      track({
        context: { page: { url: 'https://x.example/' }, ip: '203.0.113.9', sessionId: 's-1' },
        web3: { chainId: 137, walletAddress: WALLET },
      }),
    );
    const decoded = decodeEnvelope(Buffer.from(JSON.stringify(envelope)));
    expect(decoded).toEqual({ envelope });
  });

  it('names what is wrong with a message that is not an envelope', () => {
    expect(decodeEnvelope(Buffer.from('{not json'))).toEqual({
      errors: [{ field: '', message: expect.stringMatching(/^not JSON/) }],
    });
    const envelope = only(track());
    const broken = validateEnvelope({ ...envelope, eventId: 'nope', timestamp: 12 });
    expect('errors' in broken && broken.errors.map((e) => e.field)).toEqual(['eventId', 'timestamp']);
    expect(validateEnvelope({ ...envelope, v: 2 })).toEqual({
      errors: [expect.objectContaining({ field: 'v' })],
    });
  });
});
