import { registerDecorator, type ValidationOptions } from 'class-validator';

// Region/City names only: Intl also accepts offsets ("+01:00") on newer runtimes, which ClickHouse
// and the tz database do not know as zone names.
const ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/**
 * The canonical (ICU) spelling of an IANA time zone (`europe/paris` → `Europe/Paris`; a link may turn
 * into the name ICU prefers), or null when the runtime's time-zone database does not know it.
 */
export function canonicalTimeZone(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 64 || !ZONE_SHAPE.test(value)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** class-transformer hook: stores the canonical spelling; an unknown zone stays as sent, for the validator. */
export const toCanonicalTimeZone = ({ value }: { value: unknown }): unknown =>
  canonicalTimeZone(value) ?? value;

/** An IANA time-zone name (`UTC`, `Europe/Paris`, `America/New_York`). */
export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName: String(property),
      options: { message: `${String(property)} must be an IANA time zone such as Europe/Paris`, ...options },
      validator: { validate: (value: unknown) => canonicalTimeZone(value) !== null },
    });
}
