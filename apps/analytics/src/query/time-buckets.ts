import type { TimeseriesInterval } from '@northstar/contracts';

const UNIT_MS: Record<TimeseriesInterval, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at an instant, in ms (Europe/Paris in summer: +7 200 000). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wallClock = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wallClock - Math.floor(instant / 1000) * 1000;
}

const floorTo = (value: number, unit: number) => value - (((value % unit) + unit) % unit);

/**
 * The start of the bucket holding `instant`, as ClickHouse's toStartOfMinute/Hour/Day(t, zone)
 * computes it: the wall clock of the zone is floored, so a day in Europe/Paris starts at local
 * midnight and the day of a DST change lasts 23 or 25 hours.
 */
export function bucketStart(instant: number, interval: TimeseriesInterval, timeZone: string): number {
  const offset = zoneOffsetMs(instant, timeZone);
  const localStart = floorTo(instant + offset, UNIT_MS[interval]);
  if (interval !== 'day') return localStart - offset;
  // Local midnight may have had another offset than the instant (a DST change during the day).
  const guess = localStart - offset;
  return localStart - zoneOffsetMs(guess, timeZone);
}

/** An upper bound of the buckets of [from, to), cheap enough to check before generating them. */
export function bucketCountBound(from: number, to: number, interval: TimeseriesInterval): number {
  return Math.ceil((to - from) / UNIT_MS[interval]) + 1;
}

/** Every bucket start overlapping [from, to), in order (the zero-filled axis of a time series). */
export function bucketsBetween(
  from: number,
  to: number,
  interval: TimeseriesInterval,
  timeZone: string,
): number[] {
  const buckets: number[] = [];
  // A day may last 25 hours: stepping 25 hours from a day's start always lands in the next day.
  const step = interval === 'day' ? 25 * 3_600_000 : UNIT_MS[interval];
  for (let t = bucketStart(from, interval, timeZone); t < to; t = bucketStart(t + step, interval, timeZone)) {
    buckets.push(t);
  }
  return buckets;
}
