import { BusErrorCode, DomainException } from '../errors/bus-error';
import { cursorCodec, cursorFields, MAX_CURSOR_LENGTH } from './pagination';

interface Position {
  at: Date;
  id: string;
}

const ID = '0b5e6c2a-1f3d-4c8e-9a7b-2d4e6f8a0b1c';
const position: Position = { at: new Date('2026-11-22T10:00:00.123Z'), id: ID };
const sessions = cursorCodec<Position>('test.session.list', { at: cursorFields.time, id: cursorFields.uuid });
const keys = cursorCodec<Position>('test.key.list', { at: cursorFields.time, id: cursorFields.uuid });
const chains = cursorCodec<{ slug: string }>('test.chain.list', { slug: cursorFields.slug });
const events = cursorCodec<{ timestamp: number; ms: number }>('test.event.list', {
  timestamp: cursorFields.integer(0, 2 ** 32),
  ms: cursorFields.integer(0, 999),
});

const base64url = (text: string | Buffer) => Buffer.from(text).toString('base64url');
const json = (value: unknown) => base64url(JSON.stringify(value));

function refusal(decode: () => unknown): DomainException {
  try {
    decode();
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('The cursor was accepted');
}

function expectRefused(cursor: string, codec: { decode(cursor: string): unknown } = sessions): string {
  const error = refusal(() => codec.decode(cursor));
  expect(error.code).toBe(BusErrorCode.ValidationFailed);
  expect(error.extra.errors).toEqual([{ field: 'cursor', message: expect.any(String) as unknown }]);
  return error.extra.errors?.[0]?.message ?? '';
}

describe('cursor codecs', () => {
  it('round-trips a position through an opaque base64url cursor', () => {
    const cursor = sessions.encode(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sessions.decode(cursor)).toEqual(position);
    expect(chains.decode(chains.encode({ slug: 'base-sepolia' }))).toEqual({ slug: 'base-sepolia' });
    const event = { timestamp: 1_795_000_000, ms: 7 };
    expect(events.decode(events.encode(event))).toEqual(event);
  });

  it('carries its version and the kind of its list', () => {
    expect(JSON.parse(Buffer.from(sessions.encode(position), 'base64url').toString())).toEqual({
      v: 1,
      k: 'test.session.list',
      at: '2026-11-22T10:00:00.123Z',
      id: ID,
    });
  });

  it('reads no position without a cursor', () => {
    expect(sessions.decodeOptional(undefined)).toBeNull();
    expect(sessions.decodeOptional(sessions.encode(position))).toEqual(position);
  });

  it("refuses another list's cursor, even with the same fields", () => {
    expect(expectRefused(keys.encode(position))).toMatch(/not a cursor of this list/);
    expectRefused(chains.encode({ slug: 'ethereum' }));
  });

  const valid = { v: 1, k: 'test.session.list', at: '2026-11-22T10:00:00.123Z', id: ID };
  it.each([
    ['empty', ''],
    ['not base64url', '!!!'],
    ['padded base64', `${sessions.encode(position)}=`],
    ['standard base64 characters', `ab+/${sessions.encode(position)}`],
    ['random bytes', base64url(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x10]))],
    ['text that is not JSON', base64url('2026-11-22T10:00:00.000Z|' + ID)],
    ['a cursor of the old format', base64url('ethereum')],
    ['JSON null', json(null)],
    ['a JSON array', json([1, 'test.session.list'])],
    ['a JSON string', json('test.session.list')],
    ['an empty object', json({})],
    ['another version', json({ ...valid, v: 2 })],
    ['no version', json({ k: valid.k, at: valid.at, id: valid.id })],
    ['a missing field', json({ v: 1, k: valid.k, at: valid.at })],
    ['an extra field', json({ ...valid, extra: 1 })],
    ['a __proto__ field', base64url(JSON.stringify(valid).replace('{', '{"__proto__":{"admin":true},'))],
    ['fields in another order', json({ k: valid.k, v: 1, id: valid.id, at: valid.at })],
    ['whitespace in the JSON', base64url(JSON.stringify(valid, null, 1))],
    ['a time that is a number', json({ ...valid, at: 1_795_000_000_000 })],
    ['a time that is not a time', json({ ...valid, at: 'yesterday' })],
    ['a day the month does not have', json({ ...valid, at: '2026-02-30T10:00:00.000Z' })],
    ['a time in another zone', json({ ...valid, at: '2026-11-22T12:00:00.123+02:00' })],
    ['an id that is not a UUID', json({ ...valid, id: "1'; drop table sessions; --" })],
    ['an id that is a number', json({ ...valid, id: 42 })],
    ['an id that is an object', json({ ...valid, id: { $gt: '' } })],
    ['an upper-case id', json({ ...valid, id: ID.toUpperCase() })],
    ['a NUL byte in a field', json({ ...valid, id: `${ID}\u0000` })],
    ['a NUL byte in the cursor', `${sessions.encode(position)}\u0000`],
    ['a huge cursor', json({ ...valid, id: 'a'.repeat(MAX_CURSOR_LENGTH) })],
    ['a huge cursor of valid characters', 'A'.repeat(100_000)],
  ])('refuses %s, naming the field', (_case, cursor) => {
    expect(expectRefused(cursor)).toMatch(/not a valid cursor/);
  });

  it.each([
    ['a slug with capitals', { v: 1, k: 'test.chain.list', slug: 'Ethereum' }],
    ['a slug past its length', { v: 1, k: 'test.chain.list', slug: 'a'.repeat(49) }],
    ['a slug that is a number', { v: 1, k: 'test.chain.list', slug: 1 }],
  ])('refuses %s for a slug list', (_case, payload) => {
    expectRefused(json(payload), chains);
  });

  it.each([
    ['a fraction', { timestamp: 1.5, ms: 0 }],
    ['a negative number', { timestamp: -1, ms: 0 }],
    ['a number out of range', { timestamp: 1, ms: 1000 }],
    ['an unsafe integer', { timestamp: 2 ** 60, ms: 0 }],
    ['a numeric string', { timestamp: '1', ms: 0 }],
  ])('refuses %s for an integer field', (_case, fields) => {
    expectRefused(json({ v: 1, k: 'test.event.list', ...fields }), events);
  });

  it('refuses a schema with a field named like the envelope', () => {
    expect(() => cursorCodec<{ k: string }>('test.bad', { k: cursorFields.slug })).toThrow(/reserved/);
  });
});
