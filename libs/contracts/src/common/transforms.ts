import type { TransformFnParams } from 'class-transformer';

// The `@Transform` functions of the contracts. Each leaves a value it does not expect as it is, for
// the validators to refuse with a 400 naming the field (a transform that threw would be a 500).

/** Surrounding white space is not part of a name. */
export const trim = ({ value }: Pick<TransformFnParams, 'value'>): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** For values compared without case (email addresses). */
export const trimLower = ({ value }: Pick<TransformFnParams, 'value'>): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** A query string's `true` / `false`. */
export const toBoolean = ({ value }: Pick<TransformFnParams, 'value'>): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** A query string's integer (decimal digits only: `1e3` or `0x10` stay strings and are refused). */
export const toInteger = ({ value }: Pick<TransformFnParams, 'value'>): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
