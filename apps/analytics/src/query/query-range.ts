import {
  DEFAULT_ANALYTICS_RANGE_MS,
  DomainException,
  MAX_TIMESERIES_BUCKETS,
  parseIsoTime,
  type TimeseriesInterval,
} from '@northstar/contracts';
import { bucketCountBound } from './time-buckets';

/**
 * The [from, to) of a query: `to` defaults to now, `from` to 7 days before it; a malformed time, a
 * reversed range or one longer than `maxDays` (ANALYTICS_MAX_RANGE_DAYS) is a 400 before anything is
 * read. Shared by the event queries and the custom metric series.
 */
export function queryRange(
  request: { from?: string; to?: string },
  maxDays: number,
): { from: Date; to: Date } {
  const to = request.to === undefined ? Date.now() : parseIsoTime(request.to);
  const from =
    request.from === undefined ? (to ?? 0) - DEFAULT_ANALYTICS_RANGE_MS : parseIsoTime(request.from);
  if (to === null) throw DomainException.invalid([{ field: 'to', message: 'to must be an ISO-8601 time' }]);
  if (from === null) {
    throw DomainException.invalid([{ field: 'from', message: 'from must be an ISO-8601 time' }]);
  }
  if (from > to) throw DomainException.invalid([{ field: 'from', message: 'from must not be after to' }]);
  if (to - from > maxDays * 86_400_000) {
    throw DomainException.invalid([
      { field: 'from', message: `the range may span at most ${maxDays} days (ANALYTICS_MAX_RANGE_DAYS)` },
    ]);
  }
  return { from: new Date(from), to: new Date(to) };
}

/** A 400 on `interval` when the range holds more than MAX_TIMESERIES_BUCKETS of them. */
export function assertBucketBound(range: { from: Date; to: Date }, interval: TimeseriesInterval): void {
  const bound = bucketCountBound(range.from.getTime(), range.to.getTime(), interval);
  if (bound > MAX_TIMESERIES_BUCKETS) {
    throw DomainException.invalid([
      {
        field: 'interval',
        message: `interval ${interval} gives more than ${MAX_TIMESERIES_BUCKETS} points over this range: narrow from/to or use a coarser interval`,
      },
    ]);
  }
}
