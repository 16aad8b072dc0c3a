import { IsString, MaxLength, MinLength } from 'class-validator';

// A sealed token is about 100 characters: this bounds what notifications queues and renders.
const SEALED_TOKEN_MAX_LENGTH = 512;

/** A single-use token as a durable event carries it: sealed (EventTokenSealer), bounded in length. */
export function IsSealedToken(): PropertyDecorator {
  const rules = [IsString(), MinLength(1), MaxLength(SEALED_TOKEN_MAX_LENGTH)];
  return (target, property) => {
    for (const rule of rules) rule(target, property);
  };
}
