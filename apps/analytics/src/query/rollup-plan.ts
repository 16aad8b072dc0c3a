/**
 * Which parts of a range the roll-up answers, and which raw events must. Pure: it works on what the
 * repository read from `hour_writes` (when each hour was last written) and `rollup_state` (the version
 * of each rolled hour and day), so a query's cost follows the number of periods, not of events.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A version is the seconds of the snapshot it read times VERSION_SCALE, plus a random part. */
export const VERSION_SCALE = 1_000_000;

export type Grain = 'hour' | 'day';

/** What the repository read for one project around the range. */
export interface RollupStates {
  /** Hour start (ms) → the second of the hour's last write. An hour absent here has no events. */
  lastWrites: Map<number, number>;
  /** `hour:<ms>` / `day:<ms>` → the newest version rolled for that period. */
  versions: Map<string, number>;
}

export interface RolledPeriod {
  grain: Grain;
  /** Start of the period (ms, UTC). */
  start: number;
  version: number;
}

export interface RawSpan {
  from: number;
  to: number;
}

/** The range split into rolled periods and spans of raw events, disjoint, covering it whole. */
export interface RollupPlan {
  rolled: RolledPeriod[];
  raw: RawSpan[];
}

/** A rolled version is current when the snapshot it read came after the period's last write. */
export function isCurrent(version: number | undefined, lastWrite: number): boolean {
  return version !== undefined && Math.floor(version / VERSION_SCALE) > lastWrite;
}

/**
 * Splits [from, to) (ms): whole UTC days whose day roll-up is current (when `days` is allowed), whole
 * hours whose hour roll-up is current, and raw events for the rest (partial hours at the edges, the
 * open hour, periods written since they were rolled, hours with a `cuts` point inside them). Hours
 * without any write are skipped: they hold no events. Adjacent raw spans are merged. `cuts` must be
 * sorted.
 */
export function planRange(
  from: number,
  to: number,
  states: RollupStates,
  options: { days: boolean; cuts?: number[] },
): RollupPlan {
  // Bucket starts inside an hour (a zone with a half-hour offset): such an hour straddles two buckets,
  // so its events are read raw and bucketed one by one.
  const cuts = (options.cuts ?? []).filter((cut) => cut % HOUR_MS !== 0);
  let nextCut = 0;
  const cutInside = (hour: number) => {
    while (nextCut < cuts.length && cuts[nextCut] <= hour) nextCut++;
    return nextCut < cuts.length && cuts[nextCut] < hour + HOUR_MS;
  };
  const rolled: RolledPeriod[] = [];
  const raw: RawSpan[] = [];
  const addRaw = (start: number, end: number) => {
    const last = raw[raw.length - 1];
    if (last && last.to === start) last.to = end;
    else raw.push({ from: start, to: end });
  };
  let t = from;
  while (t < to) {
    if (options.days && t % DAY_MS === 0 && t + DAY_MS <= to) {
      const day = dayState(t, states);
      if (day === 'empty') {
        t += DAY_MS;
        continue;
      }
      if (day !== 'stale') {
        rolled.push({ grain: 'day', start: t, version: day });
        t += DAY_MS;
        continue;
      }
    }
    if (t % HOUR_MS === 0 && t + HOUR_MS <= to && !cutInside(t)) {
      const lastWrite = states.lastWrites.get(t);
      if (lastWrite !== undefined) {
        const version = states.versions.get(`hour:${t}`);
        if (isCurrent(version, lastWrite)) rolled.push({ grain: 'hour', start: t, version: version ?? 0 });
        else addRaw(t, t + HOUR_MS);
      }
      t += HOUR_MS;
      continue;
    }
    const end = Math.min(to, Math.floor(t / HOUR_MS) * HOUR_MS + HOUR_MS);
    addRaw(t, end);
    t = end;
  }
  return { rolled, raw };
}

/** A day's current version, 'empty' when none of its hours was written, else 'stale'. */
function dayState(day: number, states: RollupStates): number | 'empty' | 'stale' {
  let lastWrite = -1;
  for (let hour = day; hour < day + DAY_MS; hour += HOUR_MS) {
    lastWrite = Math.max(lastWrite, states.lastWrites.get(hour) ?? -1);
  }
  if (lastWrite < 0) return 'empty';
  const version = states.versions.get(`day:${day}`);
  return version !== undefined && isCurrent(version, lastWrite) ? version : 'stale';
}

/** Whether the plan reads any roll-up (whose distinct counts are sketches). */
export function usesRollup(plan: RollupPlan): boolean {
  return plan.rolled.length > 0;
}
