import { parseIsoTime, parseIsoTimeRollingOver } from './time';

describe('parseIsoTime', () => {
  it('reads times with a zone only', () => {
    expect(parseIsoTime('2026-11-22T10:00:00.000Z')).toBe(Date.UTC(2026, 10, 22, 10));
    expect(parseIsoTime('2026-11-22T12:00:00+02:00')).toBe(Date.UTC(2026, 10, 22, 10));
    expect(parseIsoTime('2026-11-22T10:00:00')).toBeNull();
    expect(parseIsoTime('2026-11-22')).toBeNull();
    expect(parseIsoTime(1_700_000_000_000)).toBeNull();
  });
  it('refuses days the month does not have', () => {
    expect(parseIsoTime('2026-02-28T10:00:00Z')).toBe(Date.UTC(2026, 1, 28, 10));
    expect(parseIsoTime('2026-02-30T10:00:00Z')).toBeNull();
    expect(parseIsoTime('2026-13-01T10:00:00Z')).toBeNull();
  });
});

describe('parseIsoTimeRollingOver', () => {
  it('reads a day the month does not have as Date.parse does', () => {
    expect(parseIsoTimeRollingOver('2026-02-30T10:00:00Z')).toBe(Date.UTC(2026, 2, 2, 10));
    expect(parseIsoTimeRollingOver('2026-02-30T10:00:00')).toBeNull();
  });
});
