import type { FieldError } from '@northstar/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Deepest nesting accepted in an event: far beyond real payloads, far below stack limits. */
export const MAX_EVENT_DEPTH = 32;

/**
 * Whether a JSON value nests deeper than `limit` objects/arrays. Recursive, but never more than
 * `limit` calls deep: it stops descending at the limit, so deep input cannot overflow the stack.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof child === 'object' && child !== null && nestsDeeperThan(child, limit - 1)) return true;
  }
  return false;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** class-validator's tree as one entry per failing field, with a dotted path. */
export function flattenErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: message.startsWith(error.property) ? message : `${field} ${message}` });
    }
    if (error.children?.length) out.push(...flattenErrors(error.children, field));
  }
  return out;
}

/**
 * Validates a plain object against a contract class. Unknown fields are dropped from the instance,
 * not refused: SDKs add fields of their own, and the caller keeps the original for the raw JSON.
 */
export function validateAs<T extends object>(
  type: new () => T,
  plain: Record<string, unknown>,
): { value: T; errors: FieldError[] } {
  const value = plainToInstance(type, plain, { enableImplicitConversion: false });
  // One message per field: the first rule it breaks.
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: false,
    stopAtFirstError: true,
  });
  return { value, errors: flattenErrors(errors) };
}
