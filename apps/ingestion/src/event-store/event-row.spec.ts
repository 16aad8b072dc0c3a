import { intakeEvent } from '@northstar/event-intake';
import { UNKNOWN_USER_AGENT } from '../enrichment/user-agent';
import { isDataError } from './event-store.repository';
import { toEventRow, wellFormed } from './event-row';

const receivedAt = new Date('2026-11-22T10:00:10.000Z');
const envelopeOf = (event: Record<string, unknown>) => {
  const { accepted, rejected } = intakeEvent(event, { projectId: 'p1', receivedAt });
  expect(rejected).toEqual([]);
  return accepted[0];
};
const enrichment = { sessionId: 's-1', userAgent: UNKNOWN_USER_AGENT, country: 'FR' };

describe('toEventRow', () => {
  it('splits the time into seconds and milliseconds, and keeps the times in UTC seconds', () => {
    const row = toEventRow(
      envelopeOf({ type: 'track', event: 'E', userId: 'u', timestamp: '2026-11-22T09:59:59.987Z' }),
      enrichment,
    );
    expect(row.timestamp).toBe(Date.UTC(2026, 10, 22, 9, 59, 59) / 1000);
    expect(row.timestamp_ms).toBe(987);
    expect(row.received_at).toBe(Date.UTC(2026, 10, 22, 10, 0, 10) / 1000);
    expect(row.sent_at).toBeNull();
    expect(row).toMatchObject({ session_id: 's-1', country: 'FR', chain_id: 0, tx_status: '' });
  });

  it('flattens properties into key/value arrays of equal length, non-strings as JSON', () => {
    const row = toEventRow(
      envelopeOf({
        type: 'track',
        event: 'E',
        userId: 'u',
        properties: { s: 'x', n: 1.5, b: false, nil: null, o: { a: 1 }, l: [1, 'two'] },
      }),
      enrichment,
    );
    expect(row['properties.key']).toEqual(['s', 'n', 'b', 'nil', 'o', 'l']);
    expect(row['properties.value']).toEqual(['x', '1.5', 'false', 'null', '{"a":1}', '[1,"two"]']);
    expect(row['traits.key']).toEqual([]);
  });

  it('never carries the IP address', () => {
    const row = toEventRow(
      envelopeOf({ type: 'track', event: 'E', userId: 'u', context: { ip: '81.2.69.142' } }),
      enrichment,
    );
    expect(JSON.stringify(row)).not.toContain('81.2.69.142');
  });

  it('replaces lone surrogates, which ClickHouse 18.16 refuses, and keeps valid pairs', () => {
    expect(wellFormed('a\uD800b')).toBe('a\uFFFDb');
    expect(wellFormed('x\uDC00')).toBe('x\uFFFD');
    expect(wellFormed('ok 😀')).toBe('ok 😀');
    const row = toEventRow(
      envelopeOf({ type: 'track', event: 'bad \uD83D', userId: 'u', properties: { ['k\uDE00']: 'v\uD800' } }),
      enrichment,
    );
    expect(row.event).toBe('bad \uFFFD');
    expect(row['properties.key']).toEqual(['k\uFFFD']);
    expect(row['properties.value']).toEqual(['v\uFFFD']);
  });
});

describe('isDataError', () => {
  it('tells ClickHouse refusing the data from ClickHouse being unavailable', () => {
    expect(
      isDataError(new Error('Code: 25, e.displayText() = DB::Exception: Cannot parse escape sequence')),
    ).toBe(true);
    expect(isDataError(new Error('Code: 27, e.displayText() = DB::Exception: Cannot parse input'))).toBe(
      true,
    );
    expect(isDataError(new Error('Code: 252, e.displayText() = DB::Exception: Too many parts'))).toBe(false);
    expect(
      isDataError(
        new Error('Code: 60, e.displayText() = DB::Exception: Table northstar.events does not exist'),
      ),
    ).toBe(false);
    expect(
      isDataError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })),
    ).toBe(false);
  });
});
