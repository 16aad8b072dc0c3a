// Caches invalidated by a generation number (bumped at every change) keep each value with the
// generation it was loaded under, in one key whose name does not depend on the generation: a script
// reading both then names every key it touches in KEYS, as a Redis Cluster requires.

/** `value` as loaded under `generation`. */
export function stampGeneration(generation: string, value: string): string {
  return `${generation}|${value}`;
}

/** The value loaded under `generation`, or null when there is none or it is of another generation. */
export function unstampGeneration(stamped: string | null, generation: string): string | null {
  if (stamped === null) return null;
  const bar = stamped.indexOf('|');
  return bar > 0 && stamped.slice(0, bar) === generation ? stamped.slice(bar + 1) : null;
}
