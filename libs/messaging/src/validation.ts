import { ValidationPipe, type ValidationError } from '@nestjs/common';
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
