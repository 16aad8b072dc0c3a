import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseIsoTimeRollingOver } from '../common/time';

/** Event times must fit ClickHouse's DateTime and make sense for analytics. */
export const EARLIEST_EVENT_TIME = Date.UTC(2000, 0, 1);
export const LATEST_EVENT_TIME = Date.UTC(2100, 0, 1);

/** Milliseconds since the epoch of an ISO-8601 time with a zone within the accepted range, else null. */
export function parseEventTime(value: unknown): number | null {
  const ms = parseIsoTimeRollingOver(value);
  return ms !== null && ms >= EARLIEST_EVENT_TIME && ms < LATEST_EVENT_TIME ? ms : null;
}

/** An ISO-8601 time with a time zone (`2026-11-22T10:00:00.000Z`), between 2000 and 2099. */
export function IsEventTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEventTime',
      validator: {
        validate: (value) => parseEventTime(value) !== null,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an ISO-8601 time with a time zone, between 2000 and 2099`,
      },
    },
    options,
  );
}

export const MAX_ID_LENGTH = 255;

/** Ids as SDKs send them: a non-empty string, or a number (normalized to its decimal string). */
export function isIdValue(value: unknown): value is string | number {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && value.trim().length > 0 && value.length <= MAX_ID_LENGTH;
}

export function IsIdValue(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIdValue',
      validator: {
        validate: (value) => isIdValue(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be a non-empty string of at most ${MAX_ID_LENGTH} characters, or a number`,
      },
    },
    options,
  );
}

/** A plain JSON object (not an array, not null). */
export function IsJsonObject(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJsonObject',
      validator: {
        validate: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an object`,
      },
    },
    options,
  );
}
