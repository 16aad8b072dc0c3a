/**
 * The `default` of a switch over a union: it compiles only when every member has its case, so that a
 * new member (an error code, a channel type, a job name) cannot be forgotten. Reached at run time only
 * with a value outside the type (bad input cast to it), which is a bug: it throws.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
