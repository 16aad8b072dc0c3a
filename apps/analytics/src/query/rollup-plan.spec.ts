import { DAY_MS, HOUR_MS, isCurrent, planRange, VERSION_SCALE, type RollupStates } from './rollup-plan';

const at = (iso: string) => Date.parse(iso);
const seconds = (iso: string) => at(iso) / 1000;
const versionAt = (iso: string) => seconds(iso) * VERSION_SCALE + 123;

function states(
  writes: [string, string][],
  versions: [`${'hour' | 'day'}:${string}`, string][] = [],
): RollupStates {
  return {
    lastWrites: new Map(writes.map(([hour, write]) => [at(hour), seconds(write)])),
    versions: new Map(
      versions.map(([key, version]) => {
        const [grain, start] = key.split(/:(.+)/);
        return [`${grain}:${at(start)}`, versionAt(version)];
      }),
    ),
  };
}

describe('planRange', () => {
  it('reads partial edge hours raw and skips hours nothing was written to', () => {
    const plan = planRange(at('2026-11-01T10:10:00Z'), at('2026-11-01T13:30:00Z'), states([]), {
      days: true,
    });
    expect(plan).toEqual({
      rolled: [],
      raw: [
        { from: at('2026-11-01T10:10:00Z'), to: at('2026-11-01T11:00:00Z') },
        { from: at('2026-11-01T13:00:00Z'), to: at('2026-11-01T13:30:00Z') },
      ],
    });
  });

  it('takes hours rolled after their last write, and reads the others raw', () => {
    const plan = planRange(
      at('2026-11-01T10:00:00Z'),
      at('2026-11-01T14:00:00Z'),
      states(
        [
          ['2026-11-01T10:00:00Z', '2026-11-01T10:59:00Z'],
          ['2026-11-01T11:00:00Z', '2026-11-01T12:30:00Z'],
          ['2026-11-01T12:00:00Z', '2026-11-01T12:59:00Z'],
          ['2026-11-01T13:00:00Z', '2026-11-01T13:59:00Z'],
        ],
        [
          ['hour:2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z'],
          // Rolled, then written to again (a late event): stale.
          ['hour:2026-11-01T11:00:00Z', '2026-11-01T12:10:00Z'],
        ],
      ),
      { days: true },
    );
    expect(plan.rolled).toEqual([
      { grain: 'hour', start: at('2026-11-01T10:00:00Z'), version: versionAt('2026-11-01T11:00:00Z') },
    ]);
    // 11:00 stale, 12:00 and 13:00 never rolled: one raw span.
    expect(plan.raw).toEqual([{ from: at('2026-11-01T11:00:00Z'), to: at('2026-11-01T14:00:00Z') }]);
  });

  it('takes a whole UTC day from its day roll-up when it is current, else its hours', () => {
    const writes: [string, string][] = [
      ['2026-11-01T03:00:00Z', '2026-11-01T03:30:00Z'],
      ['2026-11-01T20:00:00Z', '2026-11-01T20:30:00Z'],
    ];
    const hours: [`hour:${string}`, string][] = [
      ['hour:2026-11-01T03:00:00Z', '2026-11-01T05:00:00Z'],
      ['hour:2026-11-01T20:00:00Z', '2026-11-01T22:00:00Z'],
    ];
    const range = [at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z')] as const;
    const current = planRange(
      ...range,
      states(writes, [...hours, ['day:2026-11-01T00:00:00Z', '2026-11-02T00:01:00Z']]),
      {
        days: true,
      },
    );
    expect(current).toEqual({
      rolled: [{ grain: 'day', start: range[0], version: versionAt('2026-11-02T00:01:00Z') }],
      raw: [],
    });
    // The day was rolled before its 20:00 hour was last written: its hours answer.
    const stale = planRange(
      ...range,
      states(writes, [...hours, ['day:2026-11-01T00:00:00Z', '2026-11-01T20:10:00Z']]),
      {
        days: true,
      },
    );
    expect(stale.rolled.map((period) => [period.grain, period.start])).toEqual([
      ['hour', at('2026-11-01T03:00:00Z')],
      ['hour', at('2026-11-01T20:00:00Z')],
    ]);
    // Day rows cannot serve hour buckets.
    const hoursOnly = planRange(
      ...range,
      states(writes, [...hours, ['day:2026-11-01T00:00:00Z', '2026-11-02T00:01:00Z']]),
      {
        days: false,
      },
    );
    expect(hoursOnly.rolled.every((period) => period.grain === 'hour')).toBe(true);
  });

  it('never takes a day that is only partly in the range', () => {
    const plan = planRange(
      at('2026-11-01T00:00:00Z'),
      at('2026-11-01T23:00:00Z'),
      states(
        [['2026-11-01T03:00:00Z', '2026-11-01T03:30:00Z']],
        [['day:2026-11-01T00:00:00Z', '2026-11-02T00:01:00Z']],
      ),
      { days: true },
    );
    expect(plan).toEqual({
      rolled: [],
      raw: [{ from: at('2026-11-01T03:00:00Z'), to: at('2026-11-01T04:00:00Z') }],
    });
  });

  it('covers every millisecond of the range exactly once', () => {
    const from = at('2026-11-01T07:23:11Z');
    const to = at('2026-11-04T02:05:00Z');
    const writes: [string, string][] = [];
    const versions: [`hour:${string}` | `day:${string}`, string][] = [];
    for (let t = at('2026-11-01T00:00:00Z'); t < to; t += HOUR_MS) {
      const hour = new Date(t).toISOString();
      writes.push([hour, new Date(t + 30 * 60_000).toISOString()]);
      if ((t / HOUR_MS) % 3 !== 0) versions.push([`hour:${hour}`, new Date(t + HOUR_MS).toISOString()]);
    }
    versions.push(['day:2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00Z']);
    const plan = planRange(from, to, states(writes, versions), { days: true });
    const pieces = [
      ...plan.raw.map((span) => [span.from, span.to]),
      ...plan.rolled.map((period) => [
        period.start,
        period.start + (period.grain === 'day' ? DAY_MS : HOUR_MS),
      ]),
    ].sort((a, b) => a[0] - b[0]);
    expect(pieces[0][0]).toBe(from);
    expect(pieces[pieces.length - 1][1]).toBe(to);
    pieces.slice(1).forEach((piece, index) => expect(piece[0]).toBe(pieces[index][1]));
    expect(plan.rolled.filter((period) => period.grain === 'day')).toHaveLength(1);
  });
});

describe('planRange with bucket starts inside hours', () => {
  it('reads the hours a bucket boundary cuts raw, and rolls the others', () => {
    const writes: [string, string][] = [];
    const versions: [`hour:${string}`, string][] = [];
    for (const hour of ['17', '18', '19']) {
      writes.push([`2026-11-10T${hour}:00:00Z`, `2026-11-10T${hour}:10:00Z`]);
      versions.push([`hour:2026-11-10T${hour}:00:00Z`, '2026-11-11T00:00:00Z']);
    }
    // Local days in Asia/Kolkata (UTC+05:30) start at 18:30 UTC.
    const plan = planRange(at('2026-11-10T17:00:00Z'), at('2026-11-10T20:00:00Z'), states(writes, versions), {
      days: false,
      cuts: [at('2026-11-09T18:30:00Z'), at('2026-11-10T18:30:00Z')],
    });
    expect(plan.rolled.map((period) => period.start)).toEqual([
      at('2026-11-10T17:00:00Z'),
      at('2026-11-10T19:00:00Z'),
    ]);
    expect(plan.raw).toEqual([{ from: at('2026-11-10T18:00:00Z'), to: at('2026-11-10T19:00:00Z') }]);
  });
});

describe('isCurrent', () => {
  it('needs a snapshot strictly after the last write', () => {
    expect(isCurrent(undefined, 100)).toBe(false);
    expect(isCurrent(100 * VERSION_SCALE + 999_999, 100)).toBe(false);
    expect(isCurrent(101 * VERSION_SCALE, 100)).toBe(true);
  });
});
