import { EventEnvelope, IncomingEvent } from '@northstar/contracts';
import { fastCheckEnvelope, fastCheckIncomingEvent } from './fast-check';
import { intakeBatch } from './intake';
import { validateAs } from './validation';

// The hand-written check against class-validator, the reference: on valid events and on every field
// of them broken in every way below, the fast check may say "not sure" (null), never "valid" where
// class-validator finds an error, and when both accept, they read the same values.

const WALLET = '0x52908400098527886E0F7030069857D2E4169EE7';
const TX = `0x${'Ab'.repeat(32)}`;

const VALID: Array<Record<string, unknown>> = [
  { type: 'track', event: 'Signed Up', userId: 'u-1' },
  { type: 'track', event: 'Clicked', anonymousId: 42, messageId: 'm-1', timestamp: '2026-11-22T10:00:00Z' },
  { type: 'page', name: 'Home', anonymousId: 'a-1', sentAt: '2026-11-22T10:00:05.123+01:00' },
  { type: 'screen', userId: 7 },
  { type: 'identify', userId: 'u-1', traits: {} },
  { type: 'group', userId: 'u-1', groupId: 'g-1', traits: {} },
  { type: 'alias', userId: 'u-1', previousId: 'a-1' },
  {
    type: 'transaction',
    event: 'Swap',
    userId: 'u-1',
    web3: { chainId: 1, walletAddress: WALLET, txHash: TX, value: '100', status: 'success', method: 'swap' },
  },
  { type: 'wallet', event: 'Wallet Connected', anonymousId: 'a', web3: { walletAddress: WALLET } },
  {
    type: 'track',
    event: 'Viewed',
    userId: 'u-1',
    properties: {},
    context: {
      page: { url: 'https://x.example/p', path: '/p', referrer: 'r', title: 't', search: '?q' },
      userAgent: 'Mozilla/5.0',
      ip: '203.0.113.7',
      locale: 'en-US',
      library: { name: 'analytics.js', version: '5' },
      campaign: { name: 'n', source: 's', medium: 'm', term: 't', content: 'c' },
      os: { name: 'iOS', version: '18' },
      device: { type: 'ios', manufacturer: 'Apple', model: 'iPhone' },
      sessionId: 123,
      timezone: 'Europe/Paris',
    },
    web3: { chainId: 137, contractAddress: WALLET },
  },
];

const STRANGE: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  '\uFE0F',
  '😀',
  'x'.repeat(255),
  'x'.repeat(256),
  '😀'.repeat(128),
  '\u0007bell',
  0,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  [],
  ['a'],
  {},
  { a: 1 },
  'track',
  'group',
  'transaction',
  '2026-11-22T10:00:00Z',
  '2026-11-22 10:00:00',
  '1999-12-31T23:59:59Z',
  '203.0.113.7',
  '2001:db8::1',
  '999.1.1.1',
  WALLET,
  WALLET.toLowerCase().slice(0, 41),
  TX,
  '0099',
  'success',
  'done',
];

const TOP = ['type', 'event', 'name', 'messageId', 'userId', 'anonymousId', 'groupId', 'previousId'];
const MORE_TOP = ['timestamp', 'sentAt', 'properties', 'traits', 'context', 'web3'];
const CONTEXT = ['page', 'userAgent', 'ip', 'locale', 'library', 'campaign', 'os', 'device', 'sessionId'];
const NESTED: Record<string, string[]> = {
  page: ['url', 'path', 'referrer', 'title', 'search'],
  library: ['name', 'version'],
  campaign: ['name', 'source', 'medium', 'term', 'content'],
  os: ['name', 'version'],
  device: ['type', 'manufacturer', 'model'],
};
const WEB3 = ['chainId', 'walletAddress', 'txHash', 'contractAddress', 'method', 'value', 'status'];

function withValue(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...object };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** Every valid event, and each with one field (top level, context, nested, web3) set to each value. */
function variants(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const base of VALID) {
    out.push(base);
    for (const value of STRANGE) {
      for (const key of [...TOP, ...MORE_TOP]) out.push(withValue(base, key, value));
      const context = (base['context'] ?? {}) as Record<string, unknown>;
      for (const key of CONTEXT) out.push({ ...base, context: withValue(context, key, value) });
      for (const [key, fields] of Object.entries(NESTED)) {
        const nested = (context[key] ?? {}) as Record<string, unknown>;
        for (const field of fields) {
          out.push({ ...base, context: { ...context, [key]: withValue(nested, field, value) } });
        }
      }
      const web3 = (base['web3'] ?? {}) as Record<string, unknown>;
      for (const key of WEB3) out.push({ ...base, web3: withValue(web3, key, value) });
    }
  }
  return out;
}

/** The values intake reads from a validated event (what class-validator's instance keeps). */
function readValues(event: object): unknown {
  const source = event as Record<string, unknown>;
  const pick = (from: unknown, keys: string[]): unknown =>
    typeof from === 'object' && from !== null
      ? Object.fromEntries(keys.map((key) => [key, (from as Record<string, unknown>)[key]]))
      : from;
  const context = source['context'] as Record<string, unknown> | undefined;
  return {
    ...Object.fromEntries([...TOP, 'timestamp', 'sentAt'].map((key) => [key, source[key]])),
    context:
      context && typeof context === 'object'
        ? {
            ...Object.fromEntries(CONTEXT.map((key) => [key, context[key]])),
            ...Object.fromEntries(
              Object.entries(NESTED).map(([key, keys]) => [key, pick(context[key], keys)]),
            ),
          }
        : context,
    web3: pick(source['web3'], WEB3),
  };
}

describe('fastCheckIncomingEvent', () => {
  const all = variants();

  it('accepts the valid events of every type', () => {
    for (const event of VALID) expect(fastCheckIncomingEvent({ ...event })).not.toBeNull();
  });

  it(`never accepts what class-validator refuses, and reads the same values (${all.length} events)`, () => {
    let fast = 0;
    let refused = 0;
    for (const event of all) {
      const accepted = fastCheckIncomingEvent({ ...event });
      const reference = validateAs(IncomingEvent, { ...event });
      if (reference.errors.length > 0) refused += 1;
      if (!accepted) continue;
      fast += 1;
      expect({ event, errors: reference.errors }).toEqual({ event, errors: [] });
      expect(readValues(accepted)).toEqual(readValues(reference.value));
    }
    // The comparison means something only if both sides were exercised a good deal.
    expect(refused).toBeGreaterThan(all.length / 5);
    expect(fast).toBeGreaterThan(all.length / 3);
  });
});

describe('fastCheckEnvelope', () => {
  // Envelopes as the gateway makes them from the valid events, then each field broken in every way.
  const { accepted } = intakeBatch({ batch: VALID }, { projectId: 'project-1', receivedAt: new Date() });
  const ENVELOPE_TOP = [
    'v',
    'eventId',
    'projectId',
    'messageId',
    'type',
    'event',
    'name',
    'userId',
    'anonymousId',
    'groupId',
    'previousId',
    'timestamp',
    'receivedAt',
    'sentAt',
    'clientTimestamp',
    'context',
    'web3',
    'properties',
    'traits',
    'raw',
  ];
  const envelopes = accepted.map((envelope) => ({ ...envelope }) as Record<string, unknown>);
  const all: Array<Record<string, unknown>> = [];
  for (const base of envelopes) {
    all.push(base);
    for (const value of [...STRANGE, 1, 2, '4f9b1c2e-8f1a-4c55-9d43-0b5d1f6f2a11', 'project_2']) {
      for (const key of ENVELOPE_TOP) all.push(withValue(base, key, value));
      const context = (base['context'] ?? {}) as Record<string, unknown>;
      for (const key of CONTEXT) all.push({ ...base, context: withValue(context, key, value) });
      const web3 = (base['web3'] ?? {}) as Record<string, unknown>;
      for (const key of WEB3) all.push({ ...base, web3: withValue(web3, key, value) });
    }
  }

  it('accepts every envelope intake makes', () => {
    expect(envelopes).toHaveLength(VALID.length);
    for (const envelope of envelopes) expect(fastCheckEnvelope(envelope)).not.toBeNull();
  });

  it(`accepts exactly what class-validator accepts (${all.length} envelopes)`, () => {
    const missed: unknown[] = [];
    let fast = 0;
    let refused = 0;
    for (const envelope of all) {
      const accepted = fastCheckEnvelope({ ...envelope });
      const reference = validateAs(EventEnvelope, { ...envelope });
      if (reference.errors.length > 0) refused += 1;
      if (!accepted && reference.errors.length === 0) missed.push(envelope);
      if (!accepted) continue;
      fast += 1;
      expect({ envelope, errors: reference.errors }).toEqual({ envelope, errors: [] });
    }
    // Ingestion takes the slow path only for what is really wrong: none of these valid ones.
    expect(missed).toEqual([]);
    expect(refused).toBeGreaterThan(all.length / 5);
    expect(fast).toBeGreaterThan(all.length / 4);
  });
});
