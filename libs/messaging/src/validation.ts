import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DomainException, type FieldError } from '@northstar/contracts';

/** Turns class-validator's tree into one entry per failing field, with a dotted path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: message.startsWith(error.property) ? message : `${field} ${message}` });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/**
 * The one validation configuration of the platform: the gateway validates HTTP input with it and every
 * service validates bus input with it, against the same contract classes.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // Custom parameter decorators (@CurrentUser, @CurrentKey, ...) carry values the server made, not
    // input; and their design type is whatever tsc emitted (`Function` for a type-only import).
    validateCustomDecorators: false,
    exceptionFactory: (errors) => DomainException.invalid(flattenValidationErrors(errors)),
  });
}

/**
 * Checks a payload that arrived by other means than a bus request (a durable event) against its
 * contract class, as the pipe checks requests: the class instance, or each failing field. Fields the
 * class does not know are dropped rather than refused: during a rolling deployment a newer publisher
 * may add one, and the events of an older listener must not all be refused for it.
 */
export async function validateContract<T extends object>(
  type: new () => T,
  payload: unknown,
): Promise<{ value: T } | { errors: FieldError[] }> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { errors: [{ field: '', message: 'the payload must be a JSON object' }] };
  }
  const value = plainToInstance(type, payload);
  const errors = await validate(value, { whitelist: true, forbidUnknownValues: true });
  return errors.length > 0 ? { errors: flattenValidationErrors(errors) } : { value };
}
