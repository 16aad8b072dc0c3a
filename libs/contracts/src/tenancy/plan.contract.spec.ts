import { BusErrorCode } from '../errors/bus-error';
import { planLimitReached, planPeriodOf } from './plan.contract';

describe('the quota period', () => {
  it('is the calendar month in UTC, start inclusive and end exclusive, across a year end', () => {
    expect(planPeriodOf(new Date('2026-12-31T23:59:59.999Z'))).toEqual({
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
    });
    expect(planPeriodOf(new Date('2027-01-01T00:00:00.000Z')).start).toBe('2027-01-01T00:00:00.000Z');
  });

  it('ignores the local time zone: 23:30 on 29 February at UTC-1 is March in UTC', () => {
    expect(planPeriodOf(new Date('2028-02-29T23:30:00-01:00'))).toEqual({
      start: '2028-03-01T00:00:00.000Z',
      end: '2028-04-01T00:00:00.000Z',
    });
  });
});

describe('the plan-limit refusal', () => {
  it('is a 403 naming the plan and the limit', () => {
    const refusal = planLimitReached({ id: 'free' }, 'maxProjects', 3);
    expect(refusal.code).toBe(BusErrorCode.Forbidden);
    expect(refusal.message).toMatch(/^The free plan allows 3 projects/);
    expect(refusal.toPayload()).toMatchObject({ problem: 'plan-limit', limit: 'maxProjects' });
    expect(planLimitReached({ id: 'tiny' }, 'maxKeys', 1).message).toMatch(
      /^The tiny plan allows 1 active key:/,
    );
  });
});
