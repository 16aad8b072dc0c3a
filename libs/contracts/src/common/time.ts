import { ValidateBy, type ValidationOptions } from 'class-validator';

// A time without a zone would be read in the server's zone: require `Z` or an offset.
const ISO_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export const ISO_TIME_MESSAGE = 'must be an ISO-8601 time with a time zone (2026-12-31T23:59:59Z)';

/**
 * Milliseconds of an ISO-8601 time with a zone, or null; a day the month does not have rolls over
 * as `Date.parse` reads it (2026-02-30 is 2026-03-02). Only for times SDKs send with events, which
 * ingestion keeps rather than drops; everything else reads times with `parseIsoTime`.
 */
export function parseIsoTimeRollingOver(value: unknown): number | null {
  if (typeof value !== 'string' || !ISO_TIME_WITH_ZONE.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** Milliseconds of an ISO-8601 time with a zone, or null. */
export function parseIsoTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  // Date.parse rolls 2026-02-30 over into March: refuse days the month does not have.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate())
    return null;
  return parseIsoTimeRollingOver(value);
}

/** An ISO-8601 time with a time zone (`2026-12-31T23:59:59Z`), as `parseIsoTime` reads it. */
export function IsIsoTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoTime',
      validator: {
        validate: (value) => parseIsoTime(value) !== null,
        defaultMessage: (args) => `${args?.property ?? 'value'} ${ISO_TIME_MESSAGE}`,
      },
    },
    options,
  );
}

/** A stored time as the API writes it, `null` staying `null` (a key never used, an alert never fired). */
export function isoTimeOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
