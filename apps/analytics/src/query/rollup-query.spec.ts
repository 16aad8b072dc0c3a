import { rollupSpanOf } from './rollup-query';
import type { EventScope } from './event-query';

const scope = (from: string, to: string, filters: EventScope['filters'] = {}): EventScope => ({
  projectId: 'p',
  from: new Date(from),
  to: new Date(to),
  filters,
});
const NOW = Date.parse('2026-11-20T15:20:00Z');

describe('rollupSpanOf', () => {
  it('keeps the whole hours of the range that are closed', () => {
    expect(rollupSpanOf(scope('2026-11-20T09:10:00Z', '2026-11-20T12:30:00Z'), NOW)).toEqual({
      from: new Date('2026-11-20T10:00:00Z'),
      to: new Date('2026-11-20T12:00:00Z'),
    });
  });

  it('leaves the open hour to raw events', () => {
    expect(rollupSpanOf(scope('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'), NOW)?.to).toEqual(
      new Date('2026-11-20T15:00:00Z'),
    );
  });

  it('has nothing to offer without a whole closed hour, or with a userId filter', () => {
    expect(rollupSpanOf(scope('2026-11-20T09:10:00Z', '2026-11-20T09:50:00Z'), NOW)).toBeNull();
    expect(rollupSpanOf(scope('2026-11-20T15:00:00Z', '2026-11-20T18:00:00Z'), NOW)).toBeNull();
    expect(
      rollupSpanOf(scope('2026-11-19T00:00:00Z', '2026-11-20T00:00:00Z', { userId: 'u1' }), NOW),
    ).toBeNull();
  });
});
