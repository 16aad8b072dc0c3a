import { isEmail, ValidateBy, type ValidationOptions } from 'class-validator';

/** A UTF-16 surrogate without its other half: JSON can carry one (`"\uD800"`), Unicode text cannot. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * `@IsEmail()`, except that a string holding a lone surrogate is simply not an email address:
 * validator's isEmail runs encodeURI on it, whose URIError was a 500 (found by the fuzz suite).
 */
export function IsEmailAddress(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEmail',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && !LONE_SURROGATE.test(value) && isEmail(value),
        defaultMessage: () => '$property must be an email',
      },
    },
    validationOptions,
  );
}
