import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { trim } from './transforms';

export const MAX_NAME_LENGTH = 100;

/** A display name (of a user, an organisation, a project, a key, an alert): trimmed, 1 to 100 characters. */
export function IsName(): PropertyDecorator {
  const decorators = [Transform(trim), IsString(), MinLength(1), MaxLength(MAX_NAME_LENGTH)];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}
