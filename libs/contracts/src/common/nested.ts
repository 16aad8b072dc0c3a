import { Type } from 'class-transformer';
import { IsDefined, ValidateNested } from 'class-validator';

/** A required nested object (the `actor` of a request...), validated with its own class. */
export function Nested(type: new () => object): PropertyDecorator {
  const decorators = [IsDefined(), ValidateNested(), Type(() => type)];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}
