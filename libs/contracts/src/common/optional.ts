import { ValidateIf } from 'class-validator';

/**
 * Optional, but not nullable: `@IsOptional()` also lets `null` through, and a PATCH of `name: null`
 * reached a NOT NULL column (a 500; found by the fuzz suite). Left out, the field is unchanged;
 * `null` is checked like any other value, so it is invalid.
 */
export const OptionalNotNull = (): PropertyDecorator =>
  ValidateIf((_body: unknown, value: unknown) => value !== undefined);
