import {
  hardLimitOf,
  quotaAllows,
  quotaPeriodOf,
  quotaRemaining,
  quotaWarnings,
  secondsUntilReset,
} from './quota-period';

const at = (iso: string) => Date.parse(iso);

describe('the quota period', () => {
  it('is the calendar month in UTC, December rolling into January', () => {
    expect(quotaPeriodOf(at('2026-12-31T23:59:59.999Z'))).toEqual({
      id: '2026-12',
      start: at('2026-12-01T00:00:00Z'),
      end: at('2027-01-01T00:00:00Z'),
    });
    expect(quotaPeriodOf(at('2027-01-01T00:00:00Z')).id).toBe('2027-01');
  });

  it('tells the seconds until the reset, never 0', () => {
    const period = quotaPeriodOf(at('2026-02-10T00:00:00Z'));
    expect(secondsUntilReset(period, at('2026-02-28T23:00:00Z'))).toBe(3600);
    expect(secondsUntilReset(period, at('2026-02-28T23:59:59.999Z'))).toBe(1);
  });
});

describe('admitting events against the quota', () => {
  it('accepts until the grace is spent, and refuses from there', () => {
    const state = { limit: 1000, gracePercent: 10 };
    expect(hardLimitOf(state)).toBe(1100);
    expect(quotaAllows({ ...state, used: 1099 })).toBe(true);
    expect(quotaAllows({ ...state, used: 1100 })).toBe(false);
    expect(quotaAllows({ limit: 1000, gracePercent: 0, used: 1000 })).toBe(false);
  });

  it('reports what is left of the allowance itself, never below 0', () => {
    expect(quotaRemaining({ limit: 1000, gracePercent: 10, used: 900 }, 50)).toBe(50);
    expect(quotaRemaining({ limit: 1000, gracePercent: 10, used: 1050 }, 1)).toBe(0);
  });
});

describe('quota warnings', () => {
  const period = quotaPeriodOf(at('2026-12-01T00:00:00Z'));

  it('warns at 80 %, and at 100 % (then no longer at 80 %)', () => {
    const early = at('2026-12-02T00:00:00Z');
    expect(quotaWarnings({ limit: 1000, used: 799 }, period, early).warnings).toEqual([]);
    expect(quotaWarnings({ limit: 1000, used: 800 }, period, early).warnings).toEqual(['quota-80']);
    expect(quotaWarnings({ limit: 1000, used: 1000 }, period, early).warnings).toEqual(['quota-100']);
  });

  it('forecasts the day the quota runs out at the rate so far, once a tenth of the month has passed', () => {
    // 10 days of 31 gone, 500 of 1000 used: at that rate the quota lasts 20 days, until the 21st.
    const tenthDay = at('2026-12-11T00:00:00Z');
    expect(quotaWarnings({ limit: 1000, used: 500 }, period, tenthDay)).toEqual({
      warnings: ['quota-forecast'],
      exhaustsAt: at('2026-12-21T00:00:00Z'),
    });
    // The same share on the first day says too little.
    expect(quotaWarnings({ limit: 1000, used: 500 }, period, at('2026-12-02T00:00:00Z')).warnings).toEqual(
      [],
    );
    // A rate that lasts the month is no warning.
    expect(quotaWarnings({ limit: 1000, used: 300 }, period, tenthDay).warnings).toEqual([]);
  });
});
