import { Matches } from 'class-validator';

/** Slugs of the public API: lower-case letters, digits and dashes, 2 to 48 characters. */
export const SLUG_PATTERN = /^[a-z0-9-]{2,48}$/;
export const SLUG_MESSAGE = 'must be 2 to 48 characters of a-z, 0-9 and -';

/** A slug field; the 400 names `field` (a chain's slug is `chain` in some requests). */
export function IsSlug(field = 'slug'): PropertyDecorator {
  return Matches(SLUG_PATTERN, { message: `${field} ${SLUG_MESSAGE}` });
}
