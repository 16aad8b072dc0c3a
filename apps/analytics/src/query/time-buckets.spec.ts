import { bucketCountBound, bucketsBetween, bucketStart, zoneOffsetMs } from './time-buckets';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('time buckets in a time zone', () => {
  it('knows the offset of Paris on both sides of the 2026 change', () => {
    expect(zoneOffsetMs(at('2026-10-25T00:59:59Z'), 'Europe/Paris')).toBe(7_200_000);
    expect(zoneOffsetMs(at('2026-10-25T01:00:00Z'), 'Europe/Paris')).toBe(3_600_000);
  });

  it('starts days at local midnight, the day of the change lasting 25 hours', () => {
    expect(
      bucketsBetween(at('2026-10-24T00:00:00Z'), at('2026-10-27T00:00:00Z'), 'day', 'Europe/Paris').map(iso),
    ).toEqual([
      '2026-10-23T22:00:00.000Z',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
      '2026-10-26T23:00:00.000Z',
    ]);
    expect(iso(bucketStart(at('2026-10-25T22:59:59Z'), 'day', 'Europe/Paris'))).toBe(
      '2026-10-24T22:00:00.000Z',
    );
  });

  it('counts a spring day as 23 hours', () => {
    expect(
      bucketsBetween(at('2026-03-29T00:00:00Z'), at('2026-03-30T12:00:00Z'), 'day', 'Europe/Paris').map(iso),
    ).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
  });

  it('floors hours on the local clock, half-hour zones included', () => {
    expect(iso(bucketStart(at('2026-10-25T12:40:00Z'), 'hour', 'Asia/Kolkata'))).toBe(
      '2026-10-25T12:30:00.000Z',
    );
    expect(
      bucketsBetween(at('2026-10-25T00:00:00Z'), at('2026-10-25T02:00:00Z'), 'hour', 'Europe/Paris').map(iso),
    ).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']);
  });

  it('bounds the number of buckets before making them', () => {
    expect(bucketCountBound(0, 7 * 86_400_000, 'minute')).toBeGreaterThan(10_000);
    expect(bucketsBetween(0, 3 * 60_000, 'minute', 'UTC')).toHaveLength(3);
  });
});
