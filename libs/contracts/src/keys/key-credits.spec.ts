import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { creditPeriodOf, creditsAt, KeyCredits, nextRefillAt, spendCredits } from './key-credits';

describe('credit refill periods', () => {
  const at = (iso: string) => Date.parse(iso);

  it('counts UTC days, changing exactly at midnight UTC', () => {
    const before = creditPeriodOf('daily', at('2026-12-05T23:59:59.999Z'));
    const after = creditPeriodOf('daily', at('2026-12-06T00:00:00.000Z'));
    expect(after).toBe(before + 1);
    expect(nextRefillAt('daily', before)).toBe(at('2026-12-06T00:00:00.000Z'));
  });

  it('counts UTC months, across the end of a year and months of any length', () => {
    const december = creditPeriodOf('monthly', at('2026-12-31T23:59:59.999Z'));
    expect(creditPeriodOf('monthly', at('2027-01-01T00:00:00.000Z'))).toBe(december + 1);
    expect(nextRefillAt('monthly', december)).toBe(at('2027-01-01T00:00:00.000Z'));
    const february = creditPeriodOf('monthly', at('2028-02-29T12:00:00Z'));
    expect(nextRefillAt('monthly', february)).toBe(at('2028-03-01T00:00:00Z'));
    expect(creditPeriodOf('monthly', at('1970-01-15T00:00:00Z'))).toBe(0);
  });

  it('keeps a key without refill in one period for ever', () => {
    expect(creditPeriodOf(null, Date.now())).toBe(0);
    expect(nextRefillAt(null, 0)).toBeNull();
  });
});

describe('credits left', () => {
  it('refills to the amount once a boundary has passed, without accumulating idle periods', () => {
    expect(creditsAt(3, 10, { amount: 100 }, 10)).toBe(3);
    expect(creditsAt(3, 10, { amount: 100 }, 11)).toBe(100);
    expect(creditsAt(3, 10, { amount: 100 }, 40)).toBe(100);
    expect(creditsAt(3, 10, null, 40)).toBe(3);
  });

  it('spends only what is there; a cost of 0 always passes', () => {
    expect(spendCredits(5, 5)).toEqual({ allowed: true, remaining: 0 });
    expect(spendCredits(4, 5)).toEqual({ allowed: false, remaining: 4 });
    expect(spendCredits(0, 0)).toEqual({ allowed: true, remaining: 0 });
  });
});

describe('credits in key bodies', () => {
  const fields = (value: object) =>
    validateSync(plainToInstance(KeyCredits, value), { whitelist: true, forbidNonWhitelisted: true }).flatMap(
      (error) => [
        error.property,
        ...(error.children ?? []).map((child) => `${error.property}.${child.property}`),
      ],
    );

  it('accepts a count with or without a refill', () => {
    expect(fields({ remaining: 0 })).toEqual([]);
    expect(fields({ remaining: 1000, refill: { interval: 'monthly', amount: 1000 } })).toEqual([]);
    expect(fields({ remaining: 10, refill: null })).toEqual([]);
  });

  it('refuses negative or fractional counts and unknown intervals', () => {
    expect(fields({ remaining: -1 })).toEqual(['remaining']);
    expect(fields({ remaining: 1.5 })).toEqual(['remaining']);
    expect(fields({ remaining: 1, refill: { interval: 'weekly', amount: 0 } })).toEqual([
      'refill',
      'refill.interval',
      'refill.amount',
    ]);
  });
});
